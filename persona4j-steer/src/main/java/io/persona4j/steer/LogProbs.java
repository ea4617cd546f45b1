/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import java.util.Arrays;

/** Log-softmax of logit rows (PyTorch through DJL, float32), on plain arrays. */
public final class LogProbs {
  private LogProbs() {}

  /** {@code log_softmax(logits[0:n])}: the first {@code n} logits (padded ones dropped). */
  public static float[] logSoftmax(float[] logits, int n) {
    if (n < 1 || n > logits.length) {
      throw new IllegalArgumentException("n = " + n + " for " + logits.length + " logits");
    }
    float[] z = n == logits.length ? logits : Arrays.copyOf(logits, n);
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray x = m.create(z); // [n]
      return x.logSoftmax(-1).toFloatArray(); // [n]
    }
  }
}
