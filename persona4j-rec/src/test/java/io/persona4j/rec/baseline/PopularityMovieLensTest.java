/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.rec.SharedData;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.CandidateSampler;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.SeqExample;
import io.persona4j.rec.data.SequentialSplit;
import io.persona4j.rec.eval.CandidateMetrics;
import io.persona4j.rec.eval.RankingMetrics;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Popularity on the shared ml-latest-small copy, LLaRA split, test users. The full-ranking golden
 * values were computed by an independent Python script (csv module; stable sort by timestamp;
 * popularity = users having the item among their first n-2 items; rank = items other than the
 * target, not excluded, scoring >= the target).
 */
class PopularityMovieLensTest {
  private static final Logger LOG = LoggerFactory.getLogger(PopularityMovieLensTest.class);

  @Test
  void numbersOnTheTestSplit() throws IOException {
    InteractionDataset data = InteractionDataset.load(SharedData.data("movielens-small"));
    SequentialSplit split = SequentialSplit.of(data);
    Popularity p = Popularity.fit(split.train(), data.numItems());
    List<SeqExample> test = split.test();

    RankingMetrics allBefore = p.evaluateFullRanking(test, split::itemsBefore);
    RankingMetrics historyOnly = p.evaluateFullRanking(test, SeqExample::history);
    assertThat(allBefore.count()).isEqualTo(671);
    assertThat(allBefore.hitRate(10)).isCloseTo(28 / 671.0, within(1e-12));
    assertThat(allBefore.ndcg(10)).isCloseTo(0.0192344239503769, within(1e-9));
    assertThat(historyOnly.hitRate(10)).isCloseTo(17 / 671.0, within(1e-12));
    assertThat(historyOnly.ndcg(10)).isCloseTo(0.01295879745600948, within(1e-9));

    List<CandidateExample> cands = new CandidateSampler(data, 19, 42).attach(test);
    CandidateMetrics hr1 = p.evaluateCandidates(cands);
    assertThat(hr1.total()).isEqualTo(671);
    // Well above chance (1/20) for a popularity ranking, far from perfect.
    assertThat(hr1.hitRatio1()).isBetween(0.1, 0.6);
    LOG.info("{}", data.summary());
    LOG.info("{}", split);
    LOG.info("popularity, test, excluding all earlier items: {}", allBefore);
    LOG.info("popularity, test, excluding the 10-item history: {}", historyOnly);
    LOG.info("popularity, test, 20 candidates (seed 42): {}", hr1);
  }
}
