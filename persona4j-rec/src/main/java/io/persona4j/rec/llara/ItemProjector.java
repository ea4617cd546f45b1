/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LLaRA's item projector {@code Linear(e -> d) -> GELU -> Linear(d -> d)}: maps a recommender's
 * item vectors (SASRec, e = 64) into the decoder's token-embedding space (d = hidden size).
 *
 * <p>GELU is the exact one, {@code x * Phi(x)} with the normal CDF (PyTorch's default, {@code
 * approximate='none'}), through DJL's {@link Activation#gelu}. Weights are named as in LLaRA's
 * {@code MlpProjector} ({@code mlp_proj.0.weight} [d, e], {@code mlp_proj.0.bias}, {@code
 * mlp_proj.2.weight} [d, d], {@code mlp_proj.2.bias}) and initialized as PyTorch initializes {@code
 * nn.Linear}: uniform in {@code +-1/sqrt(fan_in)}, from a seeded generator.
 */
public final class ItemProjector implements AutoCloseable {
  public static final String W1 = "mlp_proj.0.weight";
  public static final String B1 = "mlp_proj.0.bias";
  public static final String W2 = "mlp_proj.2.weight";
  public static final String B2 = "mlp_proj.2.bias";

  private final NDManager manager;
  private final Linear first;
  private final Linear second;

  private ItemProjector(NDManager manager, NDArray w1, NDArray b1, NDArray w2, NDArray b2) {
    this.manager = manager;
    this.first = new Linear("mlp_proj.0", w1, b1);
    this.second = new Linear("mlp_proj.2", w2, b2);
  }

  /**
   * A freshly initialized projector.
   *
   * @param in item vector size e
   * @param out the decoder's hidden size d
   * @param parent the weights live on a sub-manager of it, freed by {@link #close()}
   */
  public static ItemProjector create(int in, int out, long seed, NDManager parent) {
    if (in < 1 || out < 1) {
      throw new IllegalArgumentException("projector sizes must be >= 1: in=" + in + ", out=" + out);
    }
    SplittableRandom r = new SplittableRandom(seed);
    NDManager m = parent.newSubManager();
    return new ItemProjector(
        m,
        uniform(m, r, new Shape(out, in), in),
        uniform(m, r, new Shape(out), in),
        uniform(m, r, new Shape(out, out), out),
        uniform(m, r, new Shape(out), out));
  }

  private static NDArray uniform(NDManager m, SplittableRandom r, Shape shape, int fanIn) {
    double bound = 1.0 / Math.sqrt(fanIn);
    float[] v = new float[(int) shape.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
    }
    return m.create(v, shape);
  }

  /**
   * Loads a projector saved by {@link #save}.
   *
   * @throws IOException naming the file and tensor if one is missing or its shape is inconsistent
   */
  public static ItemProjector load(Path file, NDManager parent) throws IOException {
    NDManager m = parent.newSubManager();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      NDArray[] t = new NDArray[4];
      String[] names = {W1, B1, W2, B2};
      for (int i = 0; i < 4; i++) {
        if (!f.contains(names[i])) {
          throw new IOException(file + ": tensor " + names[i] + " is missing");
        }
        t[i] = f.toNDArray(names[i], m).toType(DataType.FLOAT32, false);
      }
      long d = t[0].getShape().get(0);
      if (t[0].getShape().dimension() != 2
          || !t[1].getShape().equals(new Shape(d))
          || !t[2].getShape().equals(new Shape(d, d))
          || !t[3].getShape().equals(new Shape(d))) {
        throw new IOException(
            file
                + ": inconsistent projector shapes "
                + t[0].getShape()
                + ", "
                + t[1].getShape()
                + ", "
                + t[2].getShape()
                + ", "
                + t[3].getShape());
      }
      return new ItemProjector(m, t[0], t[1], t[2], t[3]);
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** Writes the four tensors to a safetensors file. */
  public void save(Path file) throws IOException {
    Map<String, HostTensor> host = new LinkedHashMap<>();
    parameters().forEach((name, a) -> host.put(name, HostTensor.fromNDArray(a)));
    SafetensorsWriter.write(file, host, Provenance.metadata());
  }

  /** Item vector size e. */
  public int inFeatures() {
    return (int) first.inFeatures();
  }

  /** Output size d (the decoder's hidden size). */
  public int outFeatures() {
    return (int) second.outFeatures();
  }

  /**
   * Projects item vectors.
   *
   * @param x {@code [..., e]} float32
   * @return {@code [..., d]} on {@code x}'s manager
   */
  public NDArray forward(NDArray x) {
    if (x.getShape().dimension() == 0 || x.getShape().tail() != inFeatures()) {
      throw new IllegalArgumentException(
          "item vectors must be [..., " + inFeatures() + "], got " + x.getShape());
    }
    return second.forward(Activation.gelu(first.forward(x)));
  }

  /**
   * The weights by name (live arrays, not copies), for {@code TrainableParameters.of}; prefix the
   * names when merging with other parameter sets if they could clash.
   */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> p = new LinkedHashMap<>();
    p.put(W1, first.weight());
    p.put(B1, first.bias());
    p.put(W2, second.weight());
    p.put(B2, second.bias());
    return p;
  }

  @Override
  public void close() {
    manager.close();
  }
}
