/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Beam search over a candidate trie on hand-made log-probabilities: a case worked by hand where
 * greedy and beam disagree, and random tries where a beam as wide as the candidate list equals the
 * exhaustive argmax of the summed log-probabilities and width 1 equals the greedy walk.
 */
class TrieBeamSearchTest {
  static final long EOS = 0;

  @Test
  void aWiderBeamFindsTheLikelierCandidateGreedyMisses() {
    // c0 = 1 2 EOS, c1 = 1 3 EOS, c2 = 4 5 EOS. Token 1 is likelier than 4 (-0.51 vs -0.92), but
    // everything after 1 is unlikely: totals c0 -2.61, c1 -2.91, c2 -1.02.
    List<long[]> answers =
        List.of(new long[] {1, 2, EOS}, new long[] {1, 3, EOS}, new long[] {4, 5, EOS});
    double[][] lp = {{-0.51, -2.0, -0.1}, {-0.51, -2.3, -0.1}, {-0.92, -0.05, -0.05}};
    CandidateTrie trie = new CandidateTrie(answers, EOS);
    TrieBeamSearch.Result greedy = TrieBeamSearch.search(trie, answers, lp, 1);
    assertThat(greedy.candidate()).isZero();
    assertThat(greedy.score()).isCloseTo(-2.61, org.assertj.core.data.Offset.offset(1e-12));
    // Width 2 keeps 4 after the first step ({1: -0.51, 4: -0.92}), then {4 5: -0.97, 1 2: -2.51}.
    assertThat(TrieBeamSearch.search(trie, answers, lp, 2).candidate()).isEqualTo(2);
    TrieBeamSearch.Result all = TrieBeamSearch.search(trie, answers, lp, 3);
    assertThat(all.candidate()).isEqualTo(2);
    assertThat(all.score()).isCloseTo(-1.02, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void aPrefixTitleEndsAtItsOwnLeafAndDuplicatesGoToTheFirst() {
    // " Heat" (7 EOS), " Heat 2" (7 8 EOS), and a duplicate of " Heat" at index 2.
    List<long[]> answers =
        List.of(new long[] {7, EOS}, new long[] {7, 8, EOS}, new long[] {7, EOS});
    double[][] lp = {{-0.1, -1.5}, {-0.1, -0.2, -0.3}, {-0.1, -1.5}};
    CandidateTrie trie = new CandidateTrie(answers, EOS);
    assertThat(TrieBeamSearch.search(trie, answers, lp, 3).candidate()).isEqualTo(1);
    double[][] lp2 = {{-0.1, -0.2}, {-0.1, -1.0, -0.3}, {-0.1, -0.2}};
    assertThat(TrieBeamSearch.search(trie, answers, lp2, 3).candidate()).isZero();
  }

  @Test
  void fullWidthIsTheExhaustiveArgmaxAndWidthOneTheGreedyWalk() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int trial = 0; trial < 300; trial++) {
      int n = 2 + rng.nextInt(20);
      List<long[]> answers = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        long[] a = new long[2 + rng.nextInt(4)];
        for (int j = 0; j < a.length - 1; j++) {
          a[j] = 1 + rng.nextInt(3); // a small vocabulary: many shared prefixes
        }
        a[a.length - 1] = EOS;
        answers.add(a);
      }
      CandidateTrie trie = new CandidateTrie(answers, EOS);
      double[] edge = new double[trie.nodes()];
      for (int k = 0; k < edge.length; k++) {
        edge[k] = -3 * rng.nextDouble();
      }
      double[][] lp = new double[n][];
      double[] sums = new double[n];
      for (int c = 0; c < n; c++) {
        long[] a = answers.get(c);
        lp[c] = new double[a.length];
        int node = CandidateTrie.ROOT;
        for (int j = 0; j < a.length; j++) {
          node = trie.next(node, a[j]);
          lp[c][j] = edge[node];
          sums[c] += edge[node];
        }
      }
      int best = LikelihoodRanker.best(sums);
      assertThat(TrieBeamSearch.search(trie, answers, lp, n).candidate())
          .as("trial %d", trial)
          .isEqualTo(best);
      assertThat(TrieBeamSearch.search(trie, answers, lp, n + 7).candidate()).isEqualTo(best);
      // Greedy: from the root always the likeliest allowed token.
      int node = CandidateTrie.ROOT;
      while (trie.allowed(node).length > 0) {
        int next = -1;
        for (long t : trie.allowed(node)) {
          int c = trie.next(node, t);
          if (next < 0 || edge[c] > edge[next]) {
            next = c;
          }
        }
        node = next;
      }
      assertThat(TrieBeamSearch.search(trie, answers, lp, 1).candidate())
          .isEqualTo(trie.candidates(node).get(0));
    }
  }

  @Test
  void rejectsBadInput() {
    List<long[]> answers = List.of(new long[] {1, EOS}, new long[] {2, EOS});
    CandidateTrie trie = new CandidateTrie(answers, EOS);
    assertThatThrownBy(() -> TrieBeamSearch.search(trie, answers, new double[][] {{0, 0}}, 1))
        .hasMessageContaining("1 log-probability rows for 2 candidates");
    assertThatThrownBy(
            () -> TrieBeamSearch.search(trie, answers, new double[][] {{0, 0}, {0, 0}}, 0))
        .hasMessageContaining("beam width must be >= 1");
    assertThatThrownBy(() -> TrieBeamSearch.search(trie, answers, new double[][] {{0, 0}, {0}}, 2))
        .hasMessageContaining("candidate 1: 1 log-probabilities, 2 tokens");
  }
}
