/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

/**
 * Client-level L2 clipping for DP-FedAvg: an update {@code x} becomes {@code x * min(1, C /
 * ||x||_2)}, so every clipped update has norm at most C (the L2 sensitivity of a sum of updates).
 */
public final class Clipping {
  private Clipping() {}

  /** The Euclidean norm, accumulated in double. */
  public static double l2Norm(float[] x) {
    double s = 0;
    for (float v : x) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }

  /** The factor {@code min(1, clip / norm)} (1 for the zero vector). */
  public static double scaleFactor(double norm, double clip) {
    requireClip(clip);
    return norm <= clip ? 1.0 : clip / norm;
  }

  /** A clipped copy of {@code x} with norm at most {@code clip}. */
  public static float[] clipL2(float[] x, double clip) {
    float[] out = x.clone();
    clipL2InPlace(out, clip);
    return out;
  }

  /**
   * Clips {@code x} in place and returns its norm before clipping. Rounding to float can leave the
   * norm up to a few ulps above {@code clip}; the result is nudged down so it never exceeds it.
   */
  public static double clipL2InPlace(float[] x, double clip) {
    double norm = l2Norm(x);
    double f = scaleFactor(norm, clip);
    if (f < 1) {
      for (int attempt = 0; attempt < 4; attempt++) {
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) (x[i] * f);
        }
        double after = l2Norm(x);
        if (after <= clip) {
          break;
        }
        f = (clip / after) * (1 - 1e-7);
      }
    }
    return norm;
  }

  static void requireClip(double clip) {
    if (!(clip > 0) || Double.isInfinite(clip)) {
      throw new IllegalArgumentException("clip must be finite and > 0, got " + clip);
    }
  }
}
