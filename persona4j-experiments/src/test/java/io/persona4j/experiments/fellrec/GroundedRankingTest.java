/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** BIGRec grounding against distances computed by hand. */
class GroundedRankingTest {
  // Items 1..4 at (0,0), (1,0), (3,0), (0,2); row 0 is padding.
  static final float[][] ITEMS = {{9, 9}, {0, 0}, {1, 0}, {3, 0}, {0, 2}};

  @Test
  void ranksItemsByDistanceToTheGeneratedTextsEmbedding() {
    float[] q = {0.9f, 0};
    // Squared distances: 0.81, 0.01, 4.41, 4.81.
    assertThat(GroundedRanking.scores(ITEMS, q))
        .containsExactly(new float[] {0, -0.81f, -0.01f, -4.41f, -4.81f}, within(1e-5f));
    assertThat(GroundedRanking.rank(ITEMS, q, 2, new int[0])).isZero();
    assertThat(GroundedRanking.rank(ITEMS, q, 1, new int[0])).isEqualTo(1);
    assertThat(GroundedRanking.rank(ITEMS, q, 4, new int[0])).isEqualTo(3);
    // The user's earlier items are skipped.
    assertThat(GroundedRanking.rank(ITEMS, q, 1, new int[] {2})).isZero();
    assertThat(GroundedRanking.rank(ITEMS, q, 4, new int[] {1, 3})).isEqualTo(1);
  }

  @Test
  void tiesCountAgainstTheTargetAndDimensionsMustMatch() {
    // Items 1 and 2 are both at squared distance 0.25 from (0.5, 0).
    assertThat(GroundedRanking.rank(ITEMS, new float[] {0.5f, 0}, 1, new int[0])).isEqualTo(1);
    assertThat(GroundedRanking.rank(ITEMS, new float[] {0.5f, 0}, 2, new int[0])).isEqualTo(1);
    assertThatThrownBy(() -> GroundedRanking.scores(ITEMS, new float[] {1, 2, 3}))
        .hasMessageContaining("item 1 embedding has 2 dims, query has 3");
  }

  private static org.assertj.core.data.Offset<Float> within(float e) {
    return org.assertj.core.data.Offset.offset(e);
  }
}
