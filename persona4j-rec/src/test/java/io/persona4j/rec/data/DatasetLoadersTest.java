/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each layout read from a tiny fixture: detection, decoding, ids, titles, genres, order. */
class DatasetLoadersTest {
  @TempDir Path dir;

  /** Dense item index of original id {@code id}. */
  private static int item(InteractionDataset d, long id) {
    return d.itemIndex(id).orElseThrow();
  }

  private static int user(InteractionDataset d, long id) {
    return d.userIndex(id).orElseThrow();
  }

  @Test
  void movieLens1mIsLatin1WithDoubleColons() throws IOException {
    Fixtures.write(
        dir,
        "movies.dat",
        ISO_8859_1,
        "1::Toy Story (1995)::Animation|Children's|Comedy",
        "20::Café Society (1995)::Drama",
        "3::Grumpier Old Men: Part 2 (1995)::Comedy|Romance");
    Fixtures.write(
        dir,
        "ratings.dat",
        ISO_8859_1,
        "7::20::5::978300760",
        "7::1::3::978300700",
        "7::3::4::978300800",
        "2::3::1::978000000");
    InteractionDataset d = InteractionDataset.load(dir);
    assertThat(d.layout()).isEqualTo(DatasetLayout.MOVIELENS_1M);
    assertThat(d.source()).contains(dir);
    assertThat(d.numUsers()).isEqualTo(2);
    assertThat(d.numItems()).isEqualTo(3);
    assertThat(d.numInteractions()).isEqualTo(4);
    // Items 1..3 in ascending original id, users 0..1 in ascending original id.
    assertThat(d.itemId(1)).isEqualTo(1);
    assertThat(d.itemId(2)).isEqualTo(3);
    assertThat(d.itemId(3)).isEqualTo(20);
    assertThat(d.userId(0)).isEqualTo(2);
    assertThat(d.userId(1)).isEqualTo(7);
    assertThat(d.title(item(d, 20))).isEqualTo("Café Society (1995)");
    assertThat(d.title(item(d, 3))).isEqualTo("Grumpier Old Men: Part 2 (1995)");
    assertThat(d.genres(item(d, 1))).containsExactly("Animation", "Children's", "Comedy");
    // User 7's rows were out of order in the file: sorted by timestamp.
    assertThat(d.sequence(user(d, 7))).containsExactly(item(d, 1), item(d, 20), item(d, 3));
    assertThat(d.timestamps(user(d, 7))).containsExactly(978300700L, 978300760L, 978300800L);
    assertThat(d.ratings(user(d, 7))).containsExactly(3f, 5f, 4f);
    assertThat(d.summary().usersResorted()).isEqualTo(1);
  }

  @Test
  void movieLens100kIsLatin1WithPipesAndGenreFlags() throws IOException {
    Fixtures.write(
        dir,
        "u.item",
        ISO_8859_1,
        Fixtures.ml100kItem(1, "Toy Story (1995)", 3, 4, 5),
        Fixtures.ml100kItem(2, "Café au lait (1994)", 5),
        Fixtures.ml100kItem(3, "Kika (1993)"));
    Fixtures.write(
        dir, "u.data", ISO_8859_1, "196\t2\t3\t881250949", "196\t1\t5\t881250000", "5\t3\t1\t1");
    InteractionDataset d = InteractionDataset.load(dir);
    assertThat(d.layout()).isEqualTo(DatasetLayout.MOVIELENS_100K);
    assertThat(d.numUsers()).isEqualTo(2);
    assertThat(d.numItems()).isEqualTo(3);
    assertThat(d.title(2)).isEqualTo("Café au lait (1994)");
    assertThat(d.genres(1)).containsExactly("Animation", "Children's", "Comedy");
    assertThat(d.genres(2)).containsExactly("Comedy");
    assertThat(d.genres(3)).isEmpty();
    assertThat(d.sequence(user(d, 196))).containsExactly(1, 2);
    assertThat(d.ratings(user(d, 5))).containsExactly(1f);
  }

  @Test
  void genericCsvFindsColumnsByNameAndRatingIsOptional() throws IOException {
    Fixtures.write(
        dir,
        "items.csv",
        UTF_8,
        "title,id,genres",
        "\"Crème brûlée, the movie\",10,Drama|Food",
        "Plain,11,",
        "\"Quote \"\"me\"\"\",12,Comedy");
    Fixtures.write(
        dir, "interactions.csv", UTF_8, "timestamp,item,user", "5,11,100", "3,10,100", "4,12,101");
    InteractionDataset d = InteractionDataset.load(dir);
    assertThat(d.layout()).isEqualTo(DatasetLayout.GENERIC);
    assertThat(d.title(item(d, 10))).isEqualTo("Crème brûlée, the movie");
    assertThat(d.title(item(d, 12))).isEqualTo("Quote \"me\"");
    assertThat(d.genres(item(d, 10))).containsExactly("Drama", "Food");
    assertThat(d.genres(item(d, 11))).isEmpty();
    assertThat(d.sequence(user(d, 100))).containsExactly(item(d, 10), item(d, 11));
    assertThat(d.ratings(user(d, 100))[0]).isNaN();
  }

  @Test
  void genericCsvWithRatingAndWithoutGenres() throws IOException {
    Fixtures.write(dir, "items.csv", UTF_8, "id,title", "1,A", "2,B");
    Fixtures.write(
        dir, "interactions.csv", UTF_8, "user,item,timestamp,rating", "1,1,10,4.5", "1,2,11,");
    InteractionDataset d = InteractionDataset.load(dir);
    assertThat(d.genres(1)).isEmpty();
    float[] r = d.ratings(0);
    assertThat(r[0]).isEqualTo(4.5f);
    assertThat(r[1]).isNaN();
  }

  @Test
  void movieLensLatestQuotedTitlesAndNoGenres() throws IOException {
    Fixtures.write(
        dir,
        "movies.csv",
        UTF_8,
        "\"movieId\",\"title\",\"genres\"",
        "1,\"Toy Story (1995)\",\"Adventure|Animation\"",
        "7789,\"11'09\"\"01 - September 11 (2002)\",\"Drama\"",
        "11,\"American President, The (1995)\",Comedy|Drama|Romance",
        "143410,\"\",\"(no genres listed)\"",
        "99,Untitled genres,(no genres listed)");
    Fixtures.write(
        dir,
        "ratings.csv",
        UTF_8,
        "userId,movieId,rating,timestamp",
        "1,7789,2.5,1260759108",
        "1,143410,4,1260759109",
        "1,11,3,1260759110",
        "2,99,5,1",
        "2,1,0.5,1");
    InteractionDataset d = InteractionDataset.load(dir);
    assertThat(d.layout()).isEqualTo(DatasetLayout.MOVIELENS_LATEST);
    assertThat(d.title(item(d, 7789))).isEqualTo("11'09\"01 - September 11 (2002)");
    assertThat(d.title(item(d, 11))).isEqualTo("American President, The (1995)");
    assertThat(d.genres(item(d, 99))).isEmpty();
    assertThat(d.itemIndex(143410)).isEmpty(); // empty title: its interaction dropped
    assertThat(d.summary().dropped(DropReason.EMPTY_TITLE)).isEqualTo(1);
    assertThat(d.summary().catalogItems()).isEqualTo(5);
    assertThat(d.numItems()).isEqualTo(4);
    // Equal timestamps keep file order.
    assertThat(d.sequence(user(d, 2))).containsExactly(item(d, 99), item(d, 1));
    assertThat(d.ratings(user(d, 1))).containsExactly(2.5f, 3f);
  }

  @Test
  void explicitLayoutOverridesDetection() throws IOException {
    Fixtures.write(dir, "items.csv", UTF_8, "id,title", "1,A");
    Fixtures.write(dir, "interactions.csv", UTF_8, "user,item,timestamp", "1,1,1");
    Fixtures.write(dir, "movies.csv", UTF_8, "movieId,title,genres", "1,B,");
    Fixtures.write(dir, "ratings.csv", UTF_8, "userId,movieId,rating,timestamp", "1,1,1,1");
    assertThatThrownBy(() -> InteractionDataset.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ambiguous")
        .hasMessageContaining("MOVIELENS_LATEST")
        .hasMessageContaining("GENERIC");
    assertThat(InteractionDataset.load(dir, DatasetLayout.GENERIC).title(1)).isEqualTo("A");
    assertThat(InteractionDataset.load(dir, DatasetLayout.MOVIELENS_LATEST).title(1))
        .isEqualTo("B");
  }

  @Test
  void detectionNamesWhatIsMissing() throws IOException {
    assertThatThrownBy(() -> DatasetLayout.detect(dir))
        .hasMessageContaining("no known dataset layout")
        .hasMessageContaining("ml-1m: ratings.dat + movies.dat")
        .hasMessageContaining("generic: interactions.csv + items.csv");
    Fixtures.write(dir, "u.data", ISO_8859_1, "1\t1\t1\t1");
    assertThatThrownBy(() -> DatasetLayout.detect(dir))
        .hasMessageContaining("incomplete: ml-100k (u.item is missing)");
    assertThatThrownBy(() -> DatasetLayout.detect(dir.resolve("u.data")))
        .hasMessageContaining("not a directory");
    Files.delete(dir.resolve("u.data"));
    Fixtures.write(dir, "u.item", ISO_8859_1, Fixtures.ml100kItem(1, "A"));
    Fixtures.write(dir, "u.data", ISO_8859_1, "1\t1\t1\t1");
    assertThat(DatasetLayout.detect(dir)).isEqualTo(DatasetLayout.MOVIELENS_100K);
  }

  @Test
  void windowsLineEndingsBlankLinesAndByteOrderMark() throws IOException {
    Files.writeString(dir.resolve("items.csv"), "\uFEFFid,title\r\n1,A\r\n\r\n2,B\r\n");
    Files.writeString(dir.resolve("interactions.csv"), "user,item,timestamp\r\n1,2,1\r\n1,1,2");
    InteractionDataset d = InteractionDataset.load(dir);
    assertThat(d.title(2)).isEqualTo("B");
    assertThat(d.sequence(0)).containsExactly(2, 1);
  }

  @Test
  void builtInMemoryMatchesTheSameDataLoadedFromFiles() throws IOException {
    Fixtures.write(dir, "items.csv", UTF_8, "id,title,genres", "5,E,x|y", "6,F,", "7,G,z");
    Fixtures.write(
        dir, "interactions.csv", UTF_8, "user,item,timestamp", "9,7,3", "9,5,1", "8,6,2", "9,6,2");
    InteractionDataset loaded = InteractionDataset.load(dir);
    InteractionDataset built =
        InteractionDataset.builder()
            .item(5, "E", List.of("x", "y"))
            .item(6, "F", List.of())
            .item(7, "G", List.of("z"))
            .interaction(9, 7, 3)
            .interaction(9, 5, 1)
            .interaction(8, 6, 2)
            .interaction(9, 6, 2)
            .build();
    assertThat(built.layout()).isEqualTo(DatasetLayout.IN_MEMORY);
    assertThat(built.source()).isEmpty();
    assertThat(built.numUsers()).isEqualTo(loaded.numUsers());
    for (int u = 0; u < built.numUsers(); u++) {
      assertThat(built.sequence(u)).isEqualTo(loaded.sequence(u));
      assertThat(built.userId(u)).isEqualTo(loaded.userId(u));
    }
    for (int i = 1; i <= built.numItems(); i++) {
      assertThat(built.title(i)).isEqualTo(loaded.title(i));
      assertThat(built.genres(i)).isEqualTo(loaded.genres(i));
    }
    assertThat(built.sequence(1)).containsExactly(1, 2, 3); // items 5, 6, 7 by time 1, 2, 3
  }
}
