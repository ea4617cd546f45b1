/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory layouts {@link InteractionDataset#load(Path)} recognizes, each defined by its two
 * files (interactions, items) and their text encoding.
 */
public enum DatasetLayout {
  /**
   * MovieLens {@code ml-latest-small}: {@code ratings.csv} (header {@code
   * userId,movieId,rating,timestamp}) and {@code movies.csv} (header {@code movieId,title,genres},
   * fields possibly quoted, genres {@code |}-separated), UTF-8.
   */
  MOVIELENS_LATEST("ml-latest-small", "ratings.csv", "movies.csv", StandardCharsets.UTF_8),
  /**
   * MovieLens {@code ml-1m}: {@code ratings.dat} ({@code UserID::MovieID::Rating::Timestamp}) and
   * {@code movies.dat} ({@code MovieID::Title::Genres}), no header, ISO-8859-1.
   */
  MOVIELENS_1M("ml-1m", "ratings.dat", "movies.dat", StandardCharsets.ISO_8859_1),
  /**
   * MovieLens {@code ml-100k}: {@code u.data} (tab-separated user, item, rating, timestamp) and
   * {@code u.item} ({@code |}-separated: id, title, release date, video release date, IMDb URL and
   * 19 genre flags), no header, ISO-8859-1.
   */
  MOVIELENS_100K("ml-100k", "u.data", "u.item", StandardCharsets.ISO_8859_1),
  /**
   * Generic CSV: {@code interactions.csv} (header {@code user,item,timestamp[,rating]}) and {@code
   * items.csv} (header {@code id,title[,genres]}, genres {@code |}-separated), UTF-8. Columns are
   * found by their header names, in any order.
   */
  GENERIC("generic", "interactions.csv", "items.csv", StandardCharsets.UTF_8),
  /** Built in memory with {@link InteractionDataset#builder()}: no files. */
  IN_MEMORY("in-memory", null, null, StandardCharsets.UTF_8);

  private final String displayName;
  private final String interactionsFile;
  private final String itemsFile;
  private final Charset charset;

  DatasetLayout(String displayName, String interactionsFile, String itemsFile, Charset charset) {
    this.displayName = displayName;
    this.interactionsFile = interactionsFile;
    this.itemsFile = itemsFile;
    this.charset = charset;
  }

  /** Short name, e.g. {@code ml-1m}. */
  public String displayName() {
    return displayName;
  }

  /** Name of the interactions file in the directory (null for {@link #IN_MEMORY}). */
  public String interactionsFile() {
    return interactionsFile;
  }

  /** Name of the items file in the directory (null for {@link #IN_MEMORY}). */
  public String itemsFile() {
    return itemsFile;
  }

  /** Text encoding of both files. */
  public Charset charset() {
    return charset;
  }

  /**
   * The one file layout whose two files are both in {@code dir}.
   *
   * @throws IllegalArgumentException when none or several match; the message lists what was looked
   *     for and, for a layout with only one of its files present, which one is missing
   */
  public static DatasetLayout detect(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": not a directory");
    }
    List<DatasetLayout> found = new ArrayList<>();
    List<String> partial = new ArrayList<>();
    StringBuilder expected = new StringBuilder();
    for (DatasetLayout layout : values()) {
      if (layout == IN_MEMORY) {
        continue;
      }
      boolean interactions = Files.isRegularFile(dir.resolve(layout.interactionsFile));
      boolean items = Files.isRegularFile(dir.resolve(layout.itemsFile));
      if (interactions && items) {
        found.add(layout);
      } else if (interactions || items) {
        partial.add(
            layout.displayName
                + " ("
                + (interactions ? layout.itemsFile : layout.interactionsFile)
                + " is missing)");
      }
      expected
          .append(expected.isEmpty() ? "" : "; ")
          .append(layout.displayName)
          .append(": ")
          .append(layout.interactionsFile)
          .append(" + ")
          .append(layout.itemsFile);
    }
    if (found.size() == 1) {
      return found.get(0);
    }
    if (found.size() > 1) {
      throw new IllegalArgumentException(
          dir + ": ambiguous layout, files of " + found + " are all present; pass the layout");
    }
    throw new IllegalArgumentException(
        dir
            + ": no known dataset layout ("
            + expected
            + ")"
            + (partial.isEmpty() ? "" : "; incomplete: " + String.join(", ", partial)));
  }
}
