/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.persona4j.core.kernel.RowOps;
import io.persona4j.core.model.TorchOps;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Objects;

/** Root-mean-square layer norm as in Llama: {@code w * x / sqrt(mean(x^2) + eps)}. */
public final class RmsNorm {
  private final NDArray weight;
  private final float eps;
  private volatile NDArray epsArray; // eps as a scalar array, lives as long as the weight
  private volatile Boolean inPlace; // whether the weight can be read in place (checked once)

  /**
   * @param weight {@code [H]}
   * @param eps added to the mean square
   */
  public RmsNorm(NDArray weight, float eps) {
    this.weight = Objects.requireNonNull(weight, "weight");
    this.eps = eps;
  }

  /**
   * {@code x [..., H] -> [..., H]}. Divides by {@code sqrt(...)} rather than multiplying by {@code
   * pow(-0.5f)}: DJL passes a Java exponent as a temporary array that autograd keeps after DJL has
   * freed its memory, which corrupts gradients (see {@code LlamaLayer.queryScale}). {@code eps} is
   * a cached array too: {@code add(Number)} would create one per call (three native calls instead
   * of one, on every norm of every decoding step).
   */
  public NDArray forward(NDArray x) {
    NDArray rms = x.square().mean(new int[] {-1}, true).add(epsArray()).sqrt(); // [..., 1]
    return x.div(rms).mul(weight); // [..., H]
  }

  /**
   * {@link #forward} on {@code rows} rows already in the JVM ({@code x [rows, H]}), with the weight
   * read in place (the small-batch decode path, {@link RowOps#rmsNorm}); null when the weight
   * cannot be read in place.
   */
  float[] forward(float[] x, int rows) {
    if (!inJvm()) {
      return null;
    }
    FloatBuffer w = TorchOps.inPlace(weight).order(ByteOrder.nativeOrder()).asFloatBuffer();
    return RowOps.rmsNorm(x, rows, w, eps);
  }

  /** Whether {@link #forward(float[], int)} works: the weight is read in place and not trained. */
  boolean inJvm() {
    Boolean ok = inPlace;
    if (ok == null) {
      ok = TorchOps.readableInPlace(weight);
      inPlace = ok;
    }
    return ok && !weight.hasGradient();
  }

  private NDArray epsArray() {
    NDArray e = epsArray;
    if (e == null) {
      e = weight.getManager().create(eps);
      NDScope.unregister(e);
      epsArray = e;
    }
    return e;
  }

  /** {@code [H]}. */
  public NDArray weight() {
    return weight;
  }

  public float eps() {
    return eps;
  }
}
