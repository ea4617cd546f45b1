/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FullRankingTest {
  //                                  pad   1     2     3     4     5
  private static final float[] SCORES = {9f, 0.1f, 0.5f, 0.3f, 0.9f, 0.5f};

  @Test
  void handComputedRanks() {
    // Target 3 (0.3): items 2 (0.5), 4 (0.9), 5 (0.5) are higher; padding is ignored.
    assertThat(FullRanking.rank(SCORES, 3, new int[0])).isEqualTo(3);
    assertThat(FullRanking.rank(SCORES, 4, new int[0])).isZero();
    assertThat(FullRanking.rank(SCORES, 1, new int[0])).isEqualTo(4);
    // Excluding 4: rank 2. The target is never excluded; repeats count once.
    assertThat(FullRanking.rank(SCORES, 3, new int[] {4})).isEqualTo(2);
    assertThat(FullRanking.rank(SCORES, 3, new int[] {4, 3, 4})).isEqualTo(2);
    // Excluding lower-scored items changes nothing.
    assertThat(FullRanking.rank(SCORES, 3, new int[] {1})).isEqualTo(3);
    // Ties count against the target: target 2 ties with 5.
    assertThat(FullRanking.rank(SCORES, 2, new int[0])).isEqualTo(2);
    assertThat(FullRanking.rank(SCORES, 5, new int[0])).isEqualTo(2);
    assertThat(FullRanking.rank(new float[] {0, 1, 1, 1}, 1, new int[0])).isEqualTo(2);
  }

  @Test
  void agreesWithANaiveSortOverRandomScores() {
    SplittableRandom rng = new SplittableRandom(11);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + rng.nextInt(60);
      float[] s = new float[n + 1];
      for (int i = 1; i <= n; i++) {
        s[i] = rng.nextInt(8); // many ties
      }
      int target = 1 + rng.nextInt(n);
      int[] excluded = rng.ints(rng.nextInt(40), 1, n + 1).toArray();
      Set<Integer> ex = new HashSet<>();
      for (int e : excluded) {
        ex.add(e);
      }
      ex.remove(target);
      // Naive: sort the kept items by score descending with the target after its ties.
      List<Integer> kept = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        if (!ex.contains(i)) {
          kept.add(i);
        }
      }
      kept.sort(
          Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparing(i -> i == target ? 1 : 0));
      assertThat(FullRanking.rank(s, target, excluded)).isEqualTo(kept.indexOf(target));
    }
  }

  @Test
  void invalidInput() {
    assertThatThrownBy(() -> FullRanking.rank(SCORES, 0, new int[0]))
        .hasMessageContaining("target must be in [1, 5], got 0");
    assertThatThrownBy(() -> FullRanking.rank(SCORES, 1, new int[] {6}))
        .hasMessageContaining("excluded items must be in [1, 5], got 6");
    assertThatThrownBy(() -> FullRanking.rank(new float[] {0, Float.NaN, 1}, 2, new int[0]))
        .hasMessageContaining("score of item 1 is NaN");
    assertThatThrownBy(() -> FullRanking.rank(new float[] {0, Float.NaN, 1}, 1, new int[0]))
        .hasMessageContaining("target 1 is NaN");
  }
}
