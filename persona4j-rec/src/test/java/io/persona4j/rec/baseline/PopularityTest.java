/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.InteractionDatasetBuilder;
import io.persona4j.rec.data.SeqExample;
import io.persona4j.rec.data.SequentialSplit;
import io.persona4j.rec.eval.CandidateMetrics;
import io.persona4j.rec.eval.RankingMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

class PopularityTest {
  /**
   * Items 1..6. Sequences: user 0: 1 2 3 4 5; user 1: 2 3 1 6; user 2: 3 6 4 1; user 3: 4 5 1.
   * Items in training examples (positions 0..n-3): user 0: 1 2 3; user 1: 2 3; user 2: 3 6; user 3
   * (n = 3) has no training example.
   */
  static SequentialSplit split() {
    InteractionDatasetBuilder b = InteractionDataset.builder();
    for (int i = 1; i <= 6; i++) {
      b.item(i, "m" + i, List.of());
    }
    int[][] seqs = {{1, 2, 3, 4, 5}, {2, 3, 1, 6}, {3, 6, 4, 1}, {4, 5, 1}};
    int t = 0;
    for (int u = 0; u < seqs.length; u++) {
      for (int i : seqs[u]) {
        b.interaction(u, i, t++);
      }
    }
    return SequentialSplit.of(b.build());
  }

  @Test
  void countsDistinctUsersOverTrainingTargetsAndHistories() {
    SequentialSplit split = split();
    Popularity p = Popularity.fit(split.train(), 6);
    assertThat(new long[] {p.count(1), p.count(2), p.count(3), p.count(4), p.count(5), p.count(6)})
        .containsExactly(1, 2, 3, 0, 0, 1);
    float[] s = p.scores();
    assertThat(s[0]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(s[3]).isEqualTo(3f);
    // Overlapping histories do not inflate counts: the same examples twice count once.
    List<SeqExample> twice = new java.util.ArrayList<>(split.train());
    twice.addAll(split.train());
    assertThat(Popularity.fit(twice, 6).count(3)).isEqualTo(3);
    // Order does not matter (examples need not be grouped by user).
    java.util.Collections.reverse(twice);
    Popularity reversed = Popularity.fit(twice, 6);
    assertThat(reversed.scores()).isEqualTo(s);
  }

  @Test
  void fullRankingAndCandidateChoiceByHand() {
    SequentialSplit split = split();
    Popularity p = Popularity.fit(split.train(), 6);
    // Scores: 1:1 2:2 3:3 4:0 5:0 6:1.
    // User 0: target 5, before 1 2 3 4; left 5, 6: 6 is higher -> rank 1.
    // User 1: target 6, before 2 3 1; left 4 5 6 -> rank 0.
    // User 2: target 1, before 3 6 4; left 1 2 5: 2 is higher -> rank 1.
    // User 3: target 1, before 4 5; left 1 2 3 6: 2, 3 higher, 6 ties -> rank 3.
    RankingMetrics all = p.evaluateFullRanking(split.test(), split::itemsBefore);
    assertThat(all.count()).isEqualTo(4);
    assertThat(all.hitRate(1)).isEqualTo(0.25);
    assertThat(all.hitRate(2)).isEqualTo(0.75);
    assertThat(all.hitRate(3)).isEqualTo(0.75);
    assertThat(all.hitRate(4)).isEqualTo(1.0);
    assertThat(all.ndcg(10)).isCloseTo((2 / log2(3) + 1 + 1 / log2(5)) / 4, within(1e-12));
    // Excluding nothing: ranks 5 (behind everything), 3, 3, 3 (ties with 1 or 6 count against).
    RankingMetrics none = p.evaluateFullRanking(split.test(), e -> new int[0]);
    assertThat(none.meanRank()).isEqualTo(3.5);

    assertThat(p.choose(new int[] {4, 1, 2, 5})).isEqualTo(2);
    assertThat(p.choose(new int[] {6, 1})).isEqualTo(6); // tie: first listed
    assertThat(p.choose(new int[] {1, 6})).isEqualTo(1);
    assertThat(p.choose(new int[] {5, 3})).isEqualTo(3);
    List<CandidateExample> cands =
        List.of(
            new CandidateExample(split.test().get(0), new int[] {3, 5}),
            new CandidateExample(split.test().get(1), new int[] {4, 6}));
    CandidateMetrics cm = p.evaluateCandidates(cands);
    assertThat(cm.total()).isEqualTo(2);
    assertThat(cm.correct()).isEqualTo(1); // 3 beats target 5; target 6 (1) beats 4 (0)
    assertThat(cm.validRatio()).isEqualTo(1.0);
  }

  @Test
  void invalidArguments() {
    assertThatThrownBy(() -> Popularity.fit(List.of(), 0)).hasMessageContaining("numItems");
    assertThatThrownBy(() -> Popularity.fit(List.of(new SeqExample(0, new int[] {1}, 7)), 6))
        .hasMessageContaining("item 7 > numItems 6");
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
