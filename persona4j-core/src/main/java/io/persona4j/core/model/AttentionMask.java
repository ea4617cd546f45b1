/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Additive attention masks: 0 where a query may attend to a key, a large negative elsewhere. */
public final class AttentionMask {
  /** Added to masked scores; exp() of it underflows to exactly 0 in float32. */
  public static final float MASKED = -1e9f;

  private AttentionMask() {}

  /**
   * Causal mask with key padding (and an optional sliding window) for {@code t} new queries after
   * {@code past} cached positions.
   *
   * @param keyValid {@code [B][past + t]}: true where the key slot holds a real token
   * @param window attention window in slots, 0 for unlimited
   * @return {@code [B, 1, t, past + t]} float32 on {@code manager}
   */
  public static NDArray causal(
      boolean[][] keyValid, int past, int t, int window, NDManager manager) {
    int b = keyValid.length;
    int s = past + t;
    float[] m = new float[b * t * s];
    for (int r = 0; r < b; r++) {
      if (keyValid[r].length != s) {
        throw new IllegalArgumentException(
            "key mask row " + r + " has " + keyValid[r].length + " slots, expected " + s);
      }
      for (int q = 0; q < t; q++) {
        int qSlot = past + q;
        int base = (r * t + q) * s;
        for (int k = 0; k < s; k++) {
          boolean ok = keyValid[r][k] && k <= qSlot && (window <= 0 || qSlot - k < window);
          m[base + k] = ok ? 0f : MASKED;
        }
      }
    }
    return manager.create(m, new Shape(b, 1, t, s));
  }
}
