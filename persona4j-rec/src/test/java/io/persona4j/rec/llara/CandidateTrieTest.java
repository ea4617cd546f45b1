/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The prefix trie of constrained decoding, by enumeration of every path it admits. */
class CandidateTrieTest {
  static final long EOS = 2;

  /** Every token sequence the trie admits from the root to a leaf (depth-first). */
  static List<List<Long>> paths(CandidateTrie t) {
    List<List<Long>> out = new ArrayList<>();
    walk(t, CandidateTrie.ROOT, new ArrayList<>(), out);
    return out;
  }

  private static void walk(CandidateTrie t, int node, List<Long> prefix, List<List<Long>> out) {
    long[] next = t.allowed(node);
    if (next.length == 0) {
      out.add(List.copyOf(prefix));
      return;
    }
    for (long tok : next) {
      prefix.add(tok);
      walk(t, t.next(node, tok), prefix, out);
      prefix.remove(prefix.size() - 1);
    }
  }

  static List<Long> boxed(long[] s) {
    return Arrays.stream(s).boxed().toList();
  }

  @Test
  void everyCandidateIsReachableAndNothingElse() {
    List<long[]> cans =
        List.of(
            new long[] {10, 11, 12, EOS},
            new long[] {10, 11, 13, EOS}, // shares the prefix 10 11
            new long[] {10, EOS}, // a prefix of both others, ended by its own EOS edge
            new long[] {20, 21, EOS},
            new long[] {10, 11, EOS}); // a prefix of the first two as well
    CandidateTrie t = new CandidateTrie(cans, EOS);
    Set<List<Long>> expected = new HashSet<>();
    cans.forEach(c -> expected.add(boxed(c)));
    List<List<Long>> admitted = paths(t);
    assertThat(admitted).hasSize(cans.size());
    assertThat(new HashSet<>(admitted)).isEqualTo(expected);
    for (int c = 0; c < cans.size(); c++) {
      int leaf = t.walk(cans.get(c));
      assertThat(leaf).isPositive();
      assertThat(t.candidates(leaf)).containsExactly(c);
      assertThat(t.allowed(leaf)).isEmpty();
    }
    // Shared prefixes are one path: root -> 10 -> 11 has three ways on (12, 13, EOS).
    assertThat(t.allowed(CandidateTrie.ROOT)).containsExactly(10, 20);
    assertThat(t.allowed(t.walk(new long[] {10}))).containsExactly(11, EOS);
    assertThat(t.allowed(t.walk(new long[] {10, 11}))).containsExactly(12, 13, EOS);
    // Nodes: root, 10, 10-11, 10-11-12, +EOS, 10-11-13, +EOS, 10-EOS, 20, 20-21, +EOS, 10-11-EOS.
    assertThat(t.nodes()).isEqualTo(12);
    assertThat(t.longest()).isEqualTo(4);
    // Inner nodes end no candidate; anything off the trie is rejected.
    assertThat(t.candidates(t.walk(new long[] {10, 11}))).isEmpty();
    assertThat(t.walk(new long[] {11})).isEqualTo(-1);
    assertThat(t.walk(new long[] {10, 11, 12, 13})).isEqualTo(-1);
    assertThat(t.next(CandidateTrie.ROOT, EOS)).isEqualTo(-1);
  }

  @Test
  void maskKeepsOnlyTheAllowedTokensLogits() {
    CandidateTrie t =
        new CandidateTrie(
            List.of(new long[] {3, 4, EOS}, new long[] {3, EOS}, new long[] {5, EOS}), EOS);
    float[] logits = {0.5f, 1f, 2f, 3f, 4f, 5f, 6f};
    float[] root = logits.clone();
    t.mask(CandidateTrie.ROOT, root);
    assertThat(root)
        .containsExactly(
            Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            3f,
            Float.NEGATIVE_INFINITY,
            5f,
            Float.NEGATIVE_INFINITY);
    float[] after3 = logits.clone();
    t.mask(t.walk(new long[] {3}), after3);
    assertThat(after3)
        .containsExactly(
            Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            2f, // EOS: the candidate "3" ends here
            Float.NEGATIVE_INFINITY,
            4f,
            Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY);
    assertThatThrownBy(() -> t.mask(t.walk(new long[] {3, EOS}), logits.clone()))
        .hasMessageContaining("leaf");
  }

  @Test
  void duplicateCandidatesShareALeafInCandidateOrder() {
    CandidateTrie t =
        new CandidateTrie(
            List.of(new long[] {7, EOS}, new long[] {8, EOS}, new long[] {7, EOS}), EOS);
    assertThat(t.candidates(t.walk(new long[] {7, EOS}))).containsExactly(0, 2);
    assertThat(paths(t)).hasSize(2);
  }

  @Test
  void sequencesMustEndWithEosAndHoldItNowhereElse() {
    assertThatThrownBy(() -> new CandidateTrie(List.of(new long[] {4, 5}), EOS))
        .hasMessageContaining("candidate 0")
        .hasMessageContaining("EOS");
    assertThatThrownBy(() -> new CandidateTrie(List.of(new long[] {EOS}), EOS))
        .hasMessageContaining("at least one token");
    assertThatThrownBy(
            () -> new CandidateTrie(List.of(new long[] {4, EOS}, new long[] {4, EOS, 5, EOS}), EOS))
        .hasMessageContaining("candidate 1")
        .hasMessageContaining("before the end");
    assertThatThrownBy(() -> new CandidateTrie(List.of(), EOS))
        .hasMessageContaining("no candidates");
  }
}
