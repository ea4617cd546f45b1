/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.SplittableRandom;

/**
 * Inverted dropout whose masks come from a Java random stream: the k-th mask after {@link
 * #restart(long)} depends only on that seed and k, so training repeats exactly whatever else uses
 * PyTorch's generator. Kept elements are scaled by {@code 1 / (1 - p)}.
 */
final class SeededDropout {
  private final double p;
  private SplittableRandom random;

  SeededDropout(double p, long seed) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout probability " + p + " is not in [0, 1)");
    }
    this.p = p;
    restart(seed);
  }

  /** Restarts the mask sequence from {@code seed}. */
  void restart(long seed) {
    random = new SplittableRandom(seed);
  }

  /**
   * {@code x} times a fresh mask (on x's manager); x itself when p is 0. The mask is copied into
   * PyTorch-owned memory because the product keeps it for the backward pass.
   */
  NDArray apply(NDArray x) {
    if (p == 0) {
      return x;
    }
    int n = Math.toIntExact(x.getShape().size());
    float keep = (float) (1 / (1 - p));
    float[] mask = new float[n];
    for (int i = 0; i < n; i++) {
      mask[i] = random.nextDouble() < p ? 0f : keep;
    }
    try (NDArray m = x.getManager().create(mask, x.getShape())) {
      NDArray owned =
          x.getDataType() == DataType.FLOAT32 ? m.duplicate() : m.toType(x.getDataType(), true);
      return x.mul(owned);
    }
  }
}
