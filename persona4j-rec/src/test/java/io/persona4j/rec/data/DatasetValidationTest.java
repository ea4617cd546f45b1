/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.train.DatasetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed files fail naming file, line, column and value; unusable rows are dropped. */
class DatasetValidationTest {
  @TempDir Path dir;

  private void generic(String[] items, String... interactions) {
    Fixtures.write(dir, "items.csv", UTF_8, items);
    Fixtures.write(dir, "interactions.csv", UTF_8, interactions);
  }

  private static final String[] ITEMS = {"id,title", "1,A", "2,B", "3,C"};

  private DatasetException loadFails() {
    try {
      InteractionDataset.load(dir);
    } catch (DatasetException e) {
      return e;
    } catch (IOException e) {
      throw new AssertionError("expected a DatasetException, got " + e, e);
    }
    throw new AssertionError("expected a DatasetException, the load succeeded");
  }

  @Test
  void missingHeaderColumn() {
    generic(ITEMS, "user,item,rating", "1,1,5");
    DatasetException e = loadFails();
    assertThat(e.file()).isEqualTo(dir.resolve("interactions.csv"));
    assertThat(e.line()).isEqualTo(1);
    assertThat(e).hasMessageContaining("interactions.csv:1:").hasMessageContaining("'timestamp'");
  }

  @Test
  void rowWithMissingFields() {
    generic(ITEMS, "user,item,timestamp", "1,1,5", "1,2");
    DatasetException e = loadFails();
    assertThat(e.line()).isEqualTo(3);
    assertThat(e)
        .hasMessageContaining("interactions.csv:3:")
        .hasMessageContaining("expected 3 fields (user,item,timestamp), found 2: '1,2'");
  }

  @Test
  void nonNumericUserId() {
    generic(ITEMS, "user,item,timestamp", "1,1,5", "", "u7,2,6");
    DatasetException e = loadFails();
    assertThat(e.line()).isEqualTo(4); // blank lines count
    assertThat(e)
        .hasMessageContaining("interactions.csv:4:")
        .hasMessageContaining("column 1 (user)")
        .hasMessageContaining("not an integer: 'u7'");
  }

  @Test
  void nonNumericTimestampInMovieLens1m() {
    Fixtures.write(dir, "movies.dat", ISO_8859_1, "1::A (1990)::Drama");
    Fixtures.write(dir, "ratings.dat", ISO_8859_1, "1::1::5::978300760", "1::1::5::2000-01-01");
    DatasetException e = loadFails();
    assertThat(e)
        .hasMessageContaining("ratings.dat:2:")
        .hasMessageContaining("column 4 (Timestamp)")
        .hasMessageContaining("'2000-01-01'");
  }

  @Test
  void nonNumericRatingAndMissingTitleFieldInMovieLens1m() {
    Fixtures.write(dir, "movies.dat", ISO_8859_1, "1::A (1990)::Drama", "2::B (1991)");
    Fixtures.write(dir, "ratings.dat", ISO_8859_1, "1::1::5::978300760");
    assertThat(loadFails())
        .hasMessageContaining("movies.dat:2:")
        .hasMessageContaining("expected 3 fields (MovieID,Title,Genres)");
    Fixtures.write(dir, "movies.dat", ISO_8859_1, "1::A (1990)::Drama");
    Fixtures.write(dir, "ratings.dat", ISO_8859_1, "1::1::five::978300760");
    assertThat(loadFails())
        .hasMessageContaining("ratings.dat:1:")
        .hasMessageContaining("column 3 (Rating)")
        .hasMessageContaining("not a number: 'five'");
  }

  @Test
  void badGenreFlagInMovieLens100k() {
    Fixtures.write(
        dir, "u.item", ISO_8859_1, Fixtures.ml100kItem(1, "A").replaceFirst("\\|0$", "|x"));
    Fixtures.write(dir, "u.data", ISO_8859_1, "1\t1\t1\t1");
    assertThat(loadFails())
        .hasMessageContaining("u.item:1:")
        .hasMessageContaining("column 24 (Western)")
        .hasMessageContaining("genre flag must be 0 or 1: 'x'");
  }

  @Test
  void malformedQuotingNamesLineAndCharacter() {
    generic(new String[] {"id,title", "1,A", "2,\"B, unterminated"}, "user,item,timestamp");
    assertThat(loadFails())
        .hasMessageContaining("items.csv:3:")
        .hasMessageContaining("unterminated quoted field opened at character 3");
  }

  @Test
  void duplicateItemIdIsAnError() {
    generic(new String[] {"id,title", "1,A", "2,B", "1,C"}, "user,item,timestamp");
    assertThat(loadFails())
        .hasMessageContaining("items.csv:4:")
        .hasMessageContaining("already defined at line 2");
  }

  @Test
  void invalidUtf8NamesTheLine() throws IOException {
    generic(ITEMS, "user,item,timestamp");
    Files.write(
        dir.resolve("items.csv"),
        new byte[] {
          'i', 'd', ',', 't', 'i', 't', 'l', 'e', '\n', '1', ',', 'C', 'a', 'f', (byte) 0xE9, '\n'
        });
    assertThat(loadFails())
        .hasMessageContaining("items.csv:2:")
        .hasMessageContaining("not valid UTF-8 text at byte 6");
  }

  @Test
  void emptyTitlesUnknownItemsAndDuplicatesAreDroppedAndCounted() throws IOException {
    generic(
        new String[] {"id,title", "1,A", "2,\"  \"", "3,C"},
        "user,item,timestamp",
        "1,1,10", // line 2
        "1,2,11", // line 3: empty title
        "1,4,12", // line 4: unknown item
        "1,3,30", // line 5: duplicate of line 6, which is earlier in time
        "1,3,20", // line 6: kept
        "2,3,5", // line 7
        "2,3,5"); // line 8: exact duplicate, same timestamp: the first in file order is kept
    InteractionDataset d = InteractionDataset.load(dir);
    DatasetSummary s = d.summary();
    assertThat(s.rowsRead()).isEqualTo(7);
    assertThat(s.interactions()).isEqualTo(3);
    assertThat(s.dropped(DropReason.EMPTY_TITLE)).isEqualTo(1);
    assertThat(s.dropped(DropReason.UNKNOWN_ITEM)).isEqualTo(1);
    assertThat(s.dropped(DropReason.DUPLICATE)).isEqualTo(2);
    assertThat(s.droppedTotal()).isEqualTo(4);
    assertThat(s.users()).isEqualTo(2);
    assertThat(s.items()).isEqualTo(2); // item 2 is not indexed
    assertThat(s.catalogItems()).isEqualTo(3);
    assertThat(d.timestamps(0)).containsExactly(10L, 20L);
    assertThat(s.usersResorted()).isEqualTo(1); // line 6 (t=20) came after line 5 (t=30)
    assertThat(d.problems())
        .extracting(DatasetProblem::reason, DatasetProblem::line)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(DropReason.EMPTY_TITLE, 3L),
            org.assertj.core.groups.Tuple.tuple(DropReason.UNKNOWN_ITEM, 4L),
            org.assertj.core.groups.Tuple.tuple(DropReason.DUPLICATE, 5L),
            org.assertj.core.groups.Tuple.tuple(DropReason.DUPLICATE, 8L));
    assertThat(d.problems().get(2).toString())
        .contains("interactions.csv:5: duplicate (user, item): user 1, item 3")
        .contains("kept the earlier row at line 6 (timestamp 20)");
    assertThat(s.toString())
        .isEqualTo(
            "generic: 2 users, 2 items (catalog 3), 3 interactions; read 7 rows, dropped 4"
                + " (empty title: 1, unknown item: 1, duplicate (user, item): 2);"
                + " 1 users re-sorted by timestamp");
  }

  @Test
  void stableSortKeepsFileOrderForEqualTimestamps() {
    InteractionDataset d =
        InteractionDataset.builder()
            .item(1, "A", List.of())
            .item(2, "B", List.of())
            .item(3, "C", List.of())
            .item(4, "D", List.of())
            .interaction(1, 3, 7)
            .interaction(1, 1, 5)
            .interaction(1, 4, 7)
            .interaction(1, 2, 5)
            .build();
    assertThat(d.sequence(0)).containsExactly(1, 2, 3, 4);
    assertThat(d.summary().usersResorted()).isEqualTo(1);
    InteractionDataset sorted =
        InteractionDataset.builder()
            .item(1, "A", List.of())
            .item(2, "B", List.of())
            .interaction(1, 2, 5)
            .interaction(1, 1, 5)
            .build();
    assertThat(sorted.sequence(0)).containsExactly(2, 1);
    assertThat(sorted.summary().usersResorted()).isZero();
  }

  @Test
  void userWhoseRowsAreAllDroppedIsNotIndexed() {
    InteractionDataset d =
        InteractionDataset.builder()
            .item(1, "A", List.of())
            .item(2, "", List.of())
            .interaction(5, 2, 1)
            .interaction(6, 1, 1)
            .build();
    assertThat(d.numUsers()).isEqualTo(1);
    assertThat(d.userIndex(5)).isEmpty();
    assertThat(d.problems().get(0).toString())
        .isEqualTo("row 1: empty title: user 5, item 2: the item has no title");
  }

  @Test
  void indicesAreCheckedWithClearMessages() {
    InteractionDataset d =
        InteractionDataset.builder().item(1, "A", List.of()).interaction(1, 1, 1).build();
    assertThatThrownBy(() -> d.title(0)).hasMessageContaining("(0 is padding)");
    assertThatThrownBy(() -> d.sequence(1)).hasMessageContaining("user must be in [0, 1), got 1");
    assertThatThrownBy(
            () -> InteractionDataset.builder().item(1, "A", List.of()).item(1, "B", List.of()))
        .hasMessageContaining("item 1 added twice");
  }

  @Test
  void sequencesAreDefensiveCopies() {
    InteractionDataset d =
        InteractionDataset.builder().item(1, "A", List.of()).interaction(1, 1, 1).build();
    d.sequence(0)[0] = 99;
    assertThat(d.sequence(0)).containsExactly(1);
  }
}
