/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TrainingWindowsTest {
  private static final int[][] SEQS = {{1, 2, 3, 4, 5, 6, 7, 8}, {9}, {10, 3}};

  @Test
  void lastWindowOnlyAsTheReference() {
    SasRecConfig c = SasRecConfig.builder().setNumItems(12).optMaxLen(3).build();
    TrainingWindows w = new TrainingWindows(SEQS, c);
    assertThat(w.size()).isEqualTo(2); // the one-item sequence gives nothing
    TrainingWindows.Batch b = w.batch(new int[] {0, 1}, 0, 2, new SplittableRandom(1));
    assertThat(b.inputs().width()).isEqualTo(3);
    assertThat(b.inputs().ids()).containsExactly(5, 6, 7, 0, 0, 10);
    assertThat(b.positives()).containsExactly(6, 7, 8, 0, 0, 3);
    assertThat(b.targets()).isEqualTo(4);
    long[] neg = b.negatives();
    assertThat(neg[3]).isZero();
    assertThat(neg[4]).isZero();
    for (int i : new int[] {0, 1, 2}) {
      assertThat(neg[i]).isBetween(9L, 12L); // user 0 has seen 1..8
    }
    assertThat(neg[5]).isNotIn(0L, 10L, 3L);
  }

  @Test
  void splitWindowsMakeEveryLaterItemATargetOnce() {
    SasRecConfig c =
        SasRecConfig.builder().setNumItems(12).optMaxLen(3).optSplitLongSequences(true).build();
    TrainingWindows w = new TrainingWindows(SEQS, c);
    // user 0: windows ending at 8, 5 and 2: [5,6,7,8], [2,3,4,5], [1,2]; user 2: [10,3]
    assertThat(w.size()).isEqualTo(4);
    TrainingWindows.Batch b = w.batch(new int[] {0, 1, 2, 3}, 0, 4, new SplittableRandom(1));
    assertThat(b.positives()).containsExactly(6, 7, 8, 3, 4, 5, 0, 0, 2, 0, 0, 3);
    assertThat(b.inputs().ids()).containsExactly(5, 6, 7, 2, 3, 4, 0, 0, 1, 0, 0, 10);
    assertThat(b.targets()).isEqualTo(8);
  }

  @Test
  void negativesNeverComeFromTheUsersItems() {
    SasRecConfig c = SasRecConfig.builder().setNumItems(10).optMaxLen(8).build();
    int[][] seqs = {{1, 2, 3, 4, 5, 6, 7, 8, 9}};
    TrainingWindows w = new TrainingWindows(seqs, c);
    for (int seed = 0; seed < 20; seed++) {
      TrainingWindows.Batch b = w.batch(new int[] {0}, 0, 1, new SplittableRandom(seed));
      assertThat(b.negatives()).containsOnly(10L);
    }
  }

  @Test
  void rejectsBadSequences() {
    SasRecConfig c = SasRecConfig.builder().setNumItems(3).build();
    assertThatThrownBy(() -> new TrainingWindows(new int[][] {{1, 2}, {1, 4}}, c))
        .hasMessageContaining("training sequence 1 position 1: item 4 is outside 1..3");
    assertThatThrownBy(() -> new TrainingWindows(new int[][] {{1, 2, 3}}, c))
        .hasMessageContaining("contains all 3 items");
    assertThatThrownBy(() -> new TrainingWindows(new int[][] {{1}, {2}}, c))
        .hasMessageContaining("two or more items");
  }
}
