/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import io.persona4j.core.train.DatasetException;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The file readers of the {@link DatasetLayout}s; each feeds an {@link InteractionDatasetBuilder}.
 */
final class LayoutReaders {
  private LayoutReaders() {}

  /** The {@code ml-100k} genre flags in file order (from the data set's {@code u.genre}). */
  static final List<String> ML100K_GENRES =
      List.of(
          "unknown",
          "Action",
          "Adventure",
          "Animation",
          "Children's",
          "Comedy",
          "Crime",
          "Documentary",
          "Drama",
          "Fantasy",
          "Film-Noir",
          "Horror",
          "Musical",
          "Mystery",
          "Romance",
          "Sci-Fi",
          "Thriller",
          "War",
          "Western");

  private static final String NO_GENRES = "(no genres listed)";

  static void read(DatasetLayout layout, Path interactions, Path items, InteractionDatasetBuilder b)
      throws IOException {
    Charset cs = layout.charset();
    switch (layout) {
      case MOVIELENS_LATEST -> {
        readHeaderCsv(
            items,
            cs,
            new String[] {"movieId", "title", "genres"},
            new String[0],
            (f, c, line) -> b.item(f.integer(c[0]), f.text(c[1]), genres(f.text(c[2]), "|"), line));
        readHeaderCsv(
            interactions,
            cs,
            new String[] {"userId", "movieId", "timestamp", "rating"},
            new String[0],
            (f, c, line) ->
                b.interaction(
                    f.integer(c[0]),
                    f.integer(c[1]),
                    f.integer(c[2]),
                    f.number(c[3], false),
                    line));
      }
      case GENERIC -> {
        readHeaderCsv(
            items,
            cs,
            new String[] {"id", "title"},
            new String[] {"genres"},
            (f, c, line) ->
                b.item(
                    f.integer(c[0]),
                    f.text(c[1]),
                    c[2] < 0 ? List.of() : genres(f.text(c[2]), "|"),
                    line));
        readHeaderCsv(
            interactions,
            cs,
            new String[] {"user", "item", "timestamp"},
            new String[] {"rating"},
            (f, c, line) ->
                b.interaction(
                    f.integer(c[0]),
                    f.integer(c[1]),
                    f.integer(c[2]),
                    c[3] < 0 ? Float.NaN : f.number(c[3], true),
                    line));
      }
      case MOVIELENS_1M -> {
        List<String> movieCols = List.of("MovieID", "Title", "Genres");
        TextLines.forEach(
            items,
            cs,
            (line, text) -> {
              int first = text.indexOf("::");
              int last = text.lastIndexOf("::");
              List<String> v =
                  first < 0 || first == last
                      ? List.of(text)
                      : List.of(
                          text.substring(0, first),
                          text.substring(first + 2, last),
                          text.substring(last + 2));
              Fields f = Fields.of(items, line, movieCols, v, text);
              b.item(f.integer(0), f.text(1), genres(f.text(2), "|"), line);
            });
        List<String> ratingCols = List.of("UserID", "MovieID", "Rating", "Timestamp");
        TextLines.forEach(
            interactions,
            cs,
            (line, text) -> {
              Fields f = Fields.of(interactions, line, ratingCols, Fields.split(text, "::"), text);
              b.interaction(f.integer(0), f.integer(1), f.integer(3), f.number(2, false), line);
            });
      }
      case MOVIELENS_100K -> {
        List<String> itemCols = new ArrayList<>(List.of("movie id", "movie title", "release date"));
        itemCols.addAll(List.of("video release date", "IMDb URL"));
        itemCols.addAll(ML100K_GENRES);
        TextLines.forEach(
            items,
            cs,
            (line, text) -> {
              Fields f = Fields.of(items, line, itemCols, Fields.split(text, "|"), text);
              List<String> g = new ArrayList<>();
              for (int i = 0; i < ML100K_GENRES.size(); i++) {
                String flag = f.text(5 + i).strip();
                if (flag.equals("1")) {
                  g.add(ML100K_GENRES.get(i));
                } else if (!flag.equals("0")) {
                  throw f.error(5 + i, "genre flag must be 0 or 1");
                }
              }
              b.item(f.integer(0), f.text(1), g, line);
            });
        List<String> dataCols = List.of("user id", "item id", "rating", "timestamp");
        TextLines.forEach(
            interactions,
            cs,
            (line, text) -> {
              Fields f = Fields.of(interactions, line, dataCols, Fields.split(text, "\t"), text);
              b.interaction(f.integer(0), f.integer(1), f.integer(3), f.number(2, false), line);
            });
      }
      case IN_MEMORY -> throw new IllegalArgumentException("no files to read for " + layout);
    }
  }

  /** Genres separated by {@code separator}; MovieLens' "(no genres listed)" is none. */
  static List<String> genres(String field, String separator) {
    String s = field.strip();
    if (s.isEmpty() || s.equals(NO_GENRES)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String g : Fields.split(s, separator)) {
      if (!g.isBlank()) {
        out.add(g.strip());
      }
    }
    return out;
  }

  @FunctionalInterface
  private interface RowHandler {
    /**
     * @param columns indices of the required then optional columns (-1 for an absent optional one)
     */
    void accept(Fields fields, int[] columns, long line) throws IOException;
  }

  /**
   * Reads a comma-separated file whose first non-blank line is a header; columns are found by name.
   */
  private static void readHeaderCsv(
      Path file, Charset cs, String[] required, String[] optional, RowHandler handler)
      throws IOException {
    List<String> header = new ArrayList<>();
    int[] columns = new int[required.length + optional.length];
    TextLines.forEach(
        file,
        cs,
        (line, text) -> {
          if (header.isEmpty()) {
            List<String> names = Fields.csv(file, line, text, ',');
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
              String name = names.get(i).strip();
              if (index.putIfAbsent(name, i) != null) {
                throw new DatasetException(
                    file, line, "column " + (i + 1), "duplicate column name: '" + name + "'");
              }
            }
            for (int i = 0; i < required.length; i++) {
              Integer at = index.get(required[i]);
              if (at == null) {
                throw new DatasetException(
                    file,
                    line,
                    null,
                    "missing column '" + required[i] + "' in header '" + text + "'");
              }
              columns[i] = at;
            }
            for (int i = 0; i < optional.length; i++) {
              columns[required.length + i] = index.getOrDefault(optional[i], -1);
            }
            header.addAll(names);
            return;
          }
          Fields f = Fields.of(file, line, header, Fields.csv(file, line, text, ','), text);
          handler.accept(f, columns, line);
        });
    if (header.isEmpty()) {
      throw new DatasetException(file, "empty file: no header line");
    }
  }
}
