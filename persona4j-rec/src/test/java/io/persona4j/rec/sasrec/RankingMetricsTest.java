/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RankingMetricsTest {
  private static final float NEG = Float.NEGATIVE_INFINITY;

  @Test
  void rankCountsItemsAboveTheTargetWithHistoryExcluded() {
    //                 pad   1    2    3    4    5    6
    float[] scores = {NEG, 0.9f, 0.5f, 0.7f, 0.1f, 0.8f, 0.5f};
    assertThat(RankingMetrics.rank(scores, new int[0], 3)).isEqualTo(2); // 1 and 5 above
    assertThat(RankingMetrics.rank(scores, new int[] {1}, 3)).isEqualTo(1); // 1 excluded
    assertThat(RankingMetrics.rank(scores, new int[] {1, 5, 3}, 3)).isZero(); // target kept
    assertThat(RankingMetrics.rank(scores, new int[0], 6)).isEqualTo(4); // tie: 2 < 6 goes first
    assertThat(RankingMetrics.rank(scores, new int[0], 2)).isEqualTo(3);
    assertThat(scores[1]).as("input not modified").isEqualTo(0.9f);
  }

  @Test
  void hitRateAndNdcgFromAModel() {
    SasRecConfig config = TestModels.tiny(1, 1, false);
    try (SasRecModel model = TestModels.randomModel(config, 21)) {
      int[][] histories = {{1, 2, 3}, {4}, {5, 6}};
      float[][] s = model.scoreAll(histories);
      // targets at known ranks: best non-history item, the 3rd best, and the worst
      int[] targets = new int[3];
      int[] expectedRank = {0, 2, 20 - 2 - 1};
      for (int u = 0; u < 3; u++) {
        int[] order = model.topK(new int[][] {histories[u]}, 20, true)[0];
        targets[u] = order[expectedRank[u]];
        assertThat(RankingMetrics.rank(s[u], histories[u], targets[u])).isEqualTo(expectedRank[u]);
      }
      RankingMetrics m = RankingMetrics.evaluate(model, histories, targets, 10);
      assertThat(m.cases()).isEqualTo(3);
      assertThat(m.hitRate()).isEqualTo(2.0 / 3);
      assertThat(m.ndcg())
          .isCloseTo((1.0 + 1.0 / 2.0) / 3, org.assertj.core.data.Offset.offset(1e-12));
    }
  }
}
