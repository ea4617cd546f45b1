/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A linear sequence-classification head on pooled features, {@code [B, H] -> [B, C]} logits, with
 * Hugging Face's parameter names ({@code classifier.weight [C, H]}, {@code classifier.bias [C]}).
 * It takes pooled features from any encoder, so it works with any model that yields {@code [B, T,
 * H]} hidden states.
 */
public final class ClassificationHead implements AutoCloseable {
  public static final String WEIGHT = "classifier.weight";
  public static final String BIAS = "classifier.bias";

  private final NDManager manager;
  private final NDArray weight;
  private final NDArray bias;

  private ClassificationHead(NDManager manager, NDArray weight, NDArray bias) {
    this.manager = manager;
    this.weight = weight;
    this.bias = bias;
  }

  /**
   * A new head with weights drawn from N(0, std^2) by a seeded generator (as HF initializes with
   * {@code initializer_range} 0.02) and zero bias.
   *
   * @param parent the head's arrays live on a sub-manager of it, freed by {@link #close()}
   */
  public static ClassificationHead create(
      int hidden, int classes, float std, long seed, NDManager parent) {
    if (hidden < 1 || classes < 2) {
      throw new IllegalArgumentException(
          "a classification head needs hidden >= 1 and classes >= 2, got "
              + hidden
              + ", "
              + classes);
    }
    if (!(std >= 0) || Float.isInfinite(std)) {
      throw new IllegalArgumentException("std must be finite and >= 0, got " + std);
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] w = new float[hidden * classes];
    for (int i = 0; i < w.length; i++) {
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      w[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    NDManager m = parent.newSubManager();
    return new ClassificationHead(
        m, m.create(w, new Shape(classes, hidden)), m.zeros(new Shape(classes)));
  }

  /**
   * A head from saved parameters ({@link #WEIGHT} {@code [C, H]}, {@link #BIAS} {@code [C]}, e.g.
   * an adapter's {@code modules_to_save}), copied onto a sub-manager of {@code parent}.
   *
   * @throws IllegalArgumentException naming the parameter if one is missing or misshapen
   */
  public static ClassificationHead of(Map<String, NDArray> parameters, NDManager parent) {
    NDArray w = parameters.get(WEIGHT);
    NDArray b = parameters.get(BIAS);
    if (w == null || b == null) {
      throw new IllegalArgumentException(
          "a classification head needs "
              + WEIGHT
              + " and "
              + BIAS
              + ", got "
              + parameters.keySet());
    }
    Shape ws = w.getShape();
    if (ws.dimension() != 2 || ws.get(0) < 2 || !b.getShape().equals(new Shape(ws.get(0)))) {
      throw new IllegalArgumentException(
          WEIGHT + " " + ws + " and " + BIAS + " " + b.getShape() + " must be [C >= 2, H] and [C]");
    }
    NDManager m = parent.newSubManager();
    return new ClassificationHead(
        m, m.create(w.toFloatArray(), ws), m.create(b.toFloatArray(), b.getShape()));
  }

  /** {@code pooled [B, H] -> logits [B, C]} on {@code pooled}'s manager. */
  public NDArray forward(NDArray pooled) {
    return Linear.linear(pooled, weight, bias).singletonOrThrow();
  }

  /** The head's parameters by Hugging Face name, to train (e.g. merged with adapter weights). */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> p = new LinkedHashMap<>();
    p.put(WEIGHT, weight);
    p.put(BIAS, bias);
    return p;
  }

  public int classes() {
    return (int) weight.getShape().get(0);
  }

  @Override
  public void close() {
    manager.close();
  }
}
