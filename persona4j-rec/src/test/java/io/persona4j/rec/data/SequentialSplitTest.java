/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequentialSplitTest {
  /** Items 1..7 (original ids 101..107). User 10: 1..6 in order; 20: 3 items; 30: 2 items. */
  static InteractionDataset dataset() {
    InteractionDatasetBuilder b = InteractionDataset.builder();
    for (int i = 1; i <= 7; i++) {
      b.item(100 + i, "Item " + i, List.of());
    }
    for (int i = 1; i <= 6; i++) {
      b.interaction(10, 100 + i, 1000 + i);
    }
    b.interaction(20, 107, 3).interaction(20, 105, 1).interaction(20, 101, 2);
    b.interaction(30, 101, 1).interaction(30, 102, 2);
    return b.build();
  }

  private static SeqExample ex(int user, int[] history, int target) {
    return new SeqExample(user, history, target);
  }

  @Test
  void leaveOneOutWithHandComputedExamples() {
    SequentialSplit split = SequentialSplit.of(dataset());
    assertThat(split.users()).isEqualTo(2);
    assertThat(split.droppedUsers()).isEqualTo(1);
    // User 0 (id 10): s = 1 2 3 4 5 6, n = 6: train t = 1..3.
    // User 1 (id 20): s = 5 1 7 (sorted by time), n = 3: no train example (1 <= t <= 0).
    assertThat(split.train())
        .containsExactly(
            ex(0, new int[] {1}, 2), ex(0, new int[] {1, 2}, 3), ex(0, new int[] {1, 2, 3}, 4));
    assertThat(split.valid())
        .containsExactly(ex(0, new int[] {1, 2, 3, 4}, 5), ex(1, new int[] {5}, 1));
    assertThat(split.test())
        .containsExactly(ex(0, new int[] {1, 2, 3, 4, 5}, 6), ex(1, new int[] {5, 1}, 7));
    assertThat(split.toString()).contains("train=3, valid=2, test=2");
  }

  @Test
  void historiesAreCutToTheMostRecentItems() {
    SequentialSplit split = SequentialSplit.of(dataset(), 2);
    assertThat(split.historyLength()).isEqualTo(2);
    assertThat(split.train().get(2)).isEqualTo(ex(0, new int[] {2, 3}, 4));
    assertThat(split.test().get(0)).isEqualTo(ex(0, new int[] {4, 5}, 6));
    assertThat(split.itemsBefore(split.test().get(0))).containsExactly(1, 2, 3, 4, 5);
    assertThat(split.itemsBefore(split.train().get(0))).containsExactly(1);
  }

  @Test
  void everyTrainTargetPrecedesValidAndTestTargets() {
    InteractionDatasetBuilder b = InteractionDataset.builder();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
    for (int i = 1; i <= 40; i++) {
      b.item(i, "t" + i, List.of());
    }
    int rows = 0;
    for (int u = 0; u < 25; u++) {
      int n = 1 + rng.nextInt(30);
      for (int k = 0; k < n; k++) {
        b.interaction(u, 1 + rng.nextInt(40), rng.nextInt(50));
        rows++;
      }
    }
    InteractionDataset d = b.build();
    SequentialSplit split = SequentialSplit.of(d, 4);
    long expectedTrain = 0;
    int kept = 0;
    for (int u = 0; u < d.numUsers(); u++) {
      int n = d.sequenceLength(u);
      if (n >= 3) {
        expectedTrain += n - 3;
        kept++;
      }
    }
    assertThat(rows).isGreaterThan((int) d.numInteractions()); // duplicates were dropped
    assertThat(split.train()).hasSize((int) expectedTrain);
    assertThat(split.users()).isEqualTo(kept);
    assertThat(split.users() + split.droppedUsers()).isEqualTo(d.numUsers());
    for (SeqExample e : split.train()) {
      assertThat(e.historyLength()).isBetween(1, 4);
      int[] s = d.sequence(e.user());
      int t = split.itemsBefore(e).length;
      assertThat(t).isBetween(1, s.length - 3);
      assertThat(e.history()).isEqualTo(java.util.Arrays.copyOfRange(s, Math.max(0, t - 4), t));
    }
  }

  @Test
  void invalidArguments() {
    assertThatThrownBy(() -> SequentialSplit.of(dataset(), 0))
        .hasMessageContaining("historyLength must be >= 1, got 0");
    assertThatThrownBy(() -> new SeqExample(0, new int[] {0}, 1))
        .hasMessageContaining("0 is padding");
    assertThatThrownBy(() -> new SeqExample(0, new int[] {1}, 0))
        .hasMessageContaining("target must be >= 1");
  }

  @Test
  void examplesAreImmutable() {
    int[] h = {1, 2};
    SeqExample e = new SeqExample(0, h, 3);
    h[0] = 9;
    e.history()[1] = 9;
    assertThat(e.history()).containsExactly(1, 2);
    assertThat(e.inHistory(2)).isTrue();
    assertThat(e.inHistory(3)).isFalse();
  }
}
