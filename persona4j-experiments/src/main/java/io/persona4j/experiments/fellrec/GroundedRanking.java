/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.rec.eval.FullRanking;

/**
 * BIGRec's grounding of a generated answer to the catalog: every item is scored by the negative
 * squared L2 distance between its title embedding and the embedding of the generated text, and the
 * target's 0-based rank among the non-excluded items is taken with {@link FullRanking} (ties count
 * against the target).
 */
public final class GroundedRanking {
  private GroundedRanking() {}

  /**
   * Scores {@code -||query - items[i]||^2} for {@code i >= 1} (index 0, padding, scores 0 and is
   * ignored by the ranking).
   */
  public static float[] scores(float[][] items, float[] query) {
    float[] s = new float[items.length];
    for (int i = 1; i < items.length; i++) {
      float[] e = items[i];
      if (e.length != query.length) {
        throw new IllegalArgumentException(
            "item " + i + " embedding has " + e.length + " dims, query has " + query.length);
      }
      double d = 0;
      for (int k = 0; k < e.length; k++) {
        double x = e[k] - query[k];
        d += x * x;
      }
      s[i] = (float) -d;
    }
    return s;
  }

  /** The 0-based rank of {@code target} by distance to {@code query}, {@code excluded} skipped. */
  public static int rank(float[][] items, float[] query, int target, int[] excluded) {
    return FullRanking.rank(scores(items, query), target, excluded);
  }
}
