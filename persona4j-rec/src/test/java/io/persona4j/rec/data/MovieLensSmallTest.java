/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.rec.SharedData;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared MovieLens ml-latest-small copy. Expected counts were computed independently with
 * Python's csv module: 100,004 ratings, 671 users, 9,066 movies, all rated; 5 movies with an empty
 * title, rated 7 times; no duplicate (user, movie) pairs.
 */
class MovieLensSmallTest {
  private static InteractionDataset data;

  @BeforeAll
  static void load() throws IOException {
    data = InteractionDataset.load(SharedData.data("movielens-small"));
  }

  @Test
  void countsMatchTheIndependentCount() {
    DatasetSummary s = data.summary();
    assertThat(data.layout()).isEqualTo(DatasetLayout.MOVIELENS_LATEST);
    assertThat(s.rowsRead()).isEqualTo(100_004);
    assertThat(s.catalogItems()).isEqualTo(9_066);
    assertThat(s.dropped(DropReason.EMPTY_TITLE)).isEqualTo(7);
    assertThat(s.dropped(DropReason.UNKNOWN_ITEM)).isZero();
    assertThat(s.dropped(DropReason.DUPLICATE)).isZero();
    assertThat(data.numUsers()).isEqualTo(671);
    assertThat(data.numItems()).isEqualTo(9_066 - 5);
    assertThat(data.numInteractions()).isEqualTo(100_004 - 7);
    assertThat(data.problems()).hasSize(7).allMatch(p -> p.reason() == DropReason.EMPTY_TITLE);
    for (long emptyTitled : new long[] {108548, 108583, 143410, 151307, 162376}) {
      assertThat(data.itemIndex(emptyTitled)).isEmpty();
    }
  }

  @Test
  void titlesAndGenresAreParsed() {
    int toyStory = data.itemIndex(1).orElseThrow();
    assertThat(toyStory).isEqualTo(1);
    assertThat(data.title(toyStory)).isEqualTo("Toy Story (1995)");
    assertThat(data.genres(toyStory))
        .containsExactly("Adventure", "Animation", "Children", "Comedy", "Fantasy");
    assertThat(data.title(data.itemIndex(7789).orElseThrow()))
        .isEqualTo("11'09\"01 - September 11 (2002)");
    assertThat(data.title(data.itemIndex(51372).orElseThrow()))
        .isEqualTo("\"Great Performances\" Cats (1998)");
    for (int i = 1; i <= data.numItems(); i++) {
      assertThat(data.title(i)).isNotBlank();
    }
  }

  @Test
  void sequencesAreChronologicalAndDistinct() {
    long total = 0;
    for (int u = 0; u < data.numUsers(); u++) {
      long[] ts = data.timestamps(u);
      int[] seq = data.sequence(u);
      Set<Integer> distinct = new HashSet<>();
      for (int i = 0; i < seq.length; i++) {
        assertThat(seq[i]).isBetween(1, data.numItems());
        assertThat(distinct.add(seq[i])).isTrue();
        if (i > 0) {
          assertThat(ts[i]).isGreaterThanOrEqualTo(ts[i - 1]);
        }
      }
      total += seq.length;
    }
    assertThat(total).isEqualTo(data.numInteractions());
    int first = data.userIndex(1).orElseThrow();
    assertThat(data.itemId(data.sequence(first)[0])).isEqualTo(2294); // 1,2294,2,1260759108
  }

  @Test
  void llaraSplitCounts() {
    SequentialSplit split = SequentialSplit.of(data);
    // Every user has >= 20 ratings: none dropped; train = sum(n_u - 3) = 99,997 - 3 * 671.
    assertThat(split.users()).isEqualTo(671);
    assertThat(split.droppedUsers()).isZero();
    assertThat(split.train()).hasSize(99_997 - 3 * 671);
    assertThat(split.valid()).hasSize(671);
    assertThat(split.test()).hasSize(671);
    assertThat(split.test()).allMatch(e -> e.historyLength() == 10);
  }
}
