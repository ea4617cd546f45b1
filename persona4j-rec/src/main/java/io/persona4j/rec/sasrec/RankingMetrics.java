/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import java.util.Arrays;

/**
 * Full-ranking HR@k and NDCG@k over all items (package-private; the shared metrics live elsewhere).
 *
 * <p>For each case the target's rank is the number of items ranked above it: items with a higher
 * score, or an equal score and a lower id (the order {@link SasRecModel#topK} uses). Items of the
 * history are excluded from the ranking, except the target, which is never excluded; padding (item
 * 0) never competes. HR@k = share of cases with rank < k; NDCG@k = mean of {@code 1 / log2(rank +
 * 2)} over cases with rank < k (one relevant item, so the ideal DCG is 1).
 *
 * @param hitRate HR@k
 * @param ndcg NDCG@k
 * @param cases number of evaluated cases
 */
record RankingMetrics(int k, double hitRate, double ndcg, int cases) {

  /** Rank of {@code target} among items 1..n-1 of {@code scores} with {@code history} excluded. */
  static int rank(float[] scores, int[] history, int target) {
    float[] s = scores;
    if (history.length > 0) {
      s = scores.clone();
      for (int item : history) {
        if (item != target) {
          s[item] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    float t = s[target];
    int rank = 0;
    for (int item = 1; item < s.length; item++) {
      if (item == target || s[item] == Float.NEGATIVE_INFINITY) {
        continue;
      }
      if (s[item] > t || (s[item] == t && item < target) || Float.isNaN(t)) {
        rank++;
      }
    }
    return rank;
  }

  /**
   * Evaluates {@code model} on histories and their next items.
   *
   * @throws IllegalArgumentException if the arrays differ in length, there are none, or a target or
   *     a history item is outside {@code 1..numItems}, or a history is empty
   */
  static RankingMetrics evaluate(SasRecModel model, int[][] histories, int[] targets, int k) {
    if (histories.length != targets.length) {
      throw new IllegalArgumentException(
          histories.length + " histories but " + targets.length + " targets");
    }
    if (histories.length == 0) {
      throw new IllegalArgumentException("no evaluation cases");
    }
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    int n = model.config().numItems();
    for (int i = 0; i < targets.length; i++) {
      PaddedBatch.checkItem(targets[i], n, "target " + i);
    }
    double hits = 0;
    double dcg = 0;
    int chunk = SasRecModel.INFERENCE_BATCH;
    for (int start = 0; start < histories.length; start += chunk) {
      int end = Math.min(histories.length, start + chunk);
      int[][] part = Arrays.copyOfRange(histories, start, end);
      float[][] scores = model.scoreAll(part);
      for (int r = 0; r < part.length; r++) {
        int rank = rank(scores[r], part[r], targets[start + r]);
        if (rank < k) {
          hits++;
          dcg += 1 / (Math.log(rank + 2) / Math.log(2));
        }
      }
    }
    int cases = histories.length;
    return new RankingMetrics(k, hits / cases, dcg / cases, cases);
  }
}
