/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * SASRec on the first 200 users of the shared MovieLens-small copy (leave-last-out), briefly
 * trained: a fast check that real data flows through training and full-ranking evaluation. The full
 * run is {@link MovieLensSasRecDemo}.
 */
class MovieLensSasRecSmokeTest {
  @Test
  void trainsOnASubsetAndRanksFarAboveChance() throws IOException {
    MovieLensSmall all = MovieLensSmall.load(MovieLensSmall.ratingsFile(), 0);
    assertThat(all.train().length).isEqualTo(671); // the README's counts
    assertThat(all.numItems()).isEqualTo(9066);
    assertThat(sum(all.train()) + 2L * 671).as("ratings").isEqualTo(100_004);

    MovieLensSmall data = MovieLensSmall.load(MovieLensSmall.ratingsFile(), 200);
    SasRecConfig config =
        SasRecConfig.builder()
            .setNumItems(data.numItems())
            .optMaxLen(10)
            .optHiddenSize(32)
            .optSplitLongSequences(true)
            .optLearningRate(2e-3)
            .optNumBlocks(1)
            .optEpochs(8)
            .optPatience(0)
            .build();
    SasRecTrainer.Trained t =
        new SasRecTrainer(config).fit(data.train(), data.validHistories(), data.validTargets());
    try (SasRecModel model = t.model()) {
      RankingMetrics test = SasRecTrainer.evaluate(model, data.testHistories(), data.testTargets());
      double chance = 10.0 / data.numItems();
      System.out.printf(
          "MovieLens subset: %d users, %d items, test HR@10 %.4f NDCG@10 %.4f (chance %.4f,"
              + " popularity %.4f), best epoch %d, train %.1f s%n",
          data.train().length,
          data.numItems(),
          test.hitRate(),
          test.ndcg(),
          chance,
          data.popularityHitRate(data.testHistories(), data.testTargets()),
          t.result().bestEpoch(),
          t.result().trainSeconds());
      var epochs = t.result().epochs();
      assertThat(epochs.get(epochs.size() - 1).loss()).isLessThan(epochs.get(0).loss() * 0.8);
      assertThat(test.hitRate()).isGreaterThan(5 * chance);
    }
  }

  private static long sum(int[][] seqs) {
    long n = 0;
    for (int[] s : seqs) {
      n += s.length; // train = all but the last two ratings of a user
    }
    return n;
  }
}
