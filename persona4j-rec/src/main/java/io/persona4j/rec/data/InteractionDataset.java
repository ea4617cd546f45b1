/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User–item interactions with dense indices, read-only.
 *
 * <p>Items are numbered {@code 1..numItems()} in ascending order of their original ids; index 0 is
 * reserved for padding (its title is empty). Users are numbered {@code 0..numUsers()-1} in
 * ascending order of their original ids. Only users and items with at least one kept interaction
 * are indexed (see {@link InteractionDatasetBuilder} for what is dropped). Each user's sequence is
 * chronological (ties in file order) and holds an item at most once.
 */
public final class InteractionDataset {
  private static final Logger LOG = LoggerFactory.getLogger(InteractionDataset.class);
  private static final int LOGGED_PROBLEMS = 5;

  private final DatasetLayout layout;
  private final Path source;
  private final long[] userIds;
  private final long[] itemIds; // itemIds[i - 1] is item i's original id
  private final String[] titles;
  private final List<List<String>> genres;
  private final int[][] sequences;
  private final long[][] timestamps;
  private final float[][] ratings;
  private final DatasetSummary summary;
  private final List<DatasetProblem> problems;

  InteractionDataset(
      DatasetLayout layout,
      Path source,
      long[] userIds,
      long[] itemIds,
      String[] titles,
      List<List<String>> genres,
      int[][] sequences,
      long[][] timestamps,
      float[][] ratings,
      DatasetSummary summary,
      List<DatasetProblem> problems) {
    this.layout = layout;
    this.source = source;
    this.userIds = userIds;
    this.itemIds = itemIds;
    this.titles = titles;
    this.genres = List.copyOf(genres);
    this.sequences = sequences;
    this.timestamps = timestamps;
    this.ratings = ratings;
    this.summary = summary;
    this.problems = List.copyOf(problems);
  }

  /** A builder for a data set assembled in memory (layout {@link DatasetLayout#IN_MEMORY}). */
  public static InteractionDatasetBuilder builder() {
    return new InteractionDatasetBuilder(DatasetLayout.IN_MEMORY, null);
  }

  /**
   * Loads the data set in {@code dir}, detecting its layout with {@link DatasetLayout#detect}. The
   * detected layout is logged and available as {@link #layout()}.
   *
   * @throws IOException if a file cannot be read or is malformed ({@link
   *     io.persona4j.core.train.DatasetException} naming file, line, column and value)
   * @throws IllegalArgumentException if no single layout matches
   */
  public static InteractionDataset load(Path dir) throws IOException {
    DatasetLayout layout = DatasetLayout.detect(dir);
    LOG.info(
        "{}: detected layout {} ({} + {})",
        dir,
        layout.displayName(),
        layout.interactionsFile(),
        layout.itemsFile());
    return load(dir, layout);
  }

  /** Loads the data set in {@code dir} read as {@code layout}. */
  public static InteractionDataset load(Path dir, DatasetLayout layout) throws IOException {
    if (layout == DatasetLayout.IN_MEMORY) {
      throw new IllegalArgumentException("layout must be a file layout, got " + layout);
    }
    InteractionDatasetBuilder builder = new InteractionDatasetBuilder(layout, dir);
    Path interactions = dir.resolve(layout.interactionsFile());
    Path items = dir.resolve(layout.itemsFile());
    builder.files(interactions, items);
    LayoutReaders.read(layout, interactions, items, builder);
    InteractionDataset dataset = builder.build();
    LOG.info("{}", dataset.summary());
    for (int i = 0; i < Math.min(LOGGED_PROBLEMS, dataset.problems.size()); i++) {
      LOG.warn("dropped {}", dataset.problems.get(i));
    }
    if (dataset.problems.size() > LOGGED_PROBLEMS) {
      LOG.warn("... {} dropped rows in all", dataset.summary.droppedTotal());
    }
    return dataset;
  }

  /** The layout that was read ({@link DatasetLayout#IN_MEMORY} for built data sets). */
  public DatasetLayout layout() {
    return layout;
  }

  /** The directory read, empty for built data sets. */
  public Optional<Path> source() {
    return Optional.ofNullable(source);
  }

  public int numUsers() {
    return userIds.length;
  }

  /** Number of items; valid item indices are {@code 1..numItems()}. */
  public int numItems() {
    return itemIds.length;
  }

  public long numInteractions() {
    return summary.interactions();
  }

  /** Counts of what was kept and dropped. */
  public DatasetSummary summary() {
    return summary;
  }

  /** Dropped rows (the first {@value InteractionDatasetBuilder#LISTED_PROBLEMS}). */
  public List<DatasetProblem> problems() {
    return problems;
  }

  /** Original id of dense user {@code user}. */
  public long userId(int user) {
    checkUser(user);
    return userIds[user];
  }

  /** Dense index of the user with original id {@code id}, if indexed. */
  public OptionalInt userIndex(long id) {
    int i = Arrays.binarySearch(userIds, id);
    return i >= 0 ? OptionalInt.of(i) : OptionalInt.empty();
  }

  /** Original id of dense item {@code item} (1-based). */
  public long itemId(int item) {
    checkItem(item);
    return itemIds[item - 1];
  }

  /** Dense index (1-based) of the item with original id {@code id}, if indexed. */
  public OptionalInt itemIndex(long id) {
    int i = Arrays.binarySearch(itemIds, id);
    return i >= 0 ? OptionalInt.of(i + 1) : OptionalInt.empty();
  }

  /** Title of dense item {@code item}; never empty for indexed items. */
  public String title(int item) {
    checkItem(item);
    return titles[item];
  }

  /** Genres of dense item {@code item} (possibly empty). */
  public List<String> genres(int item) {
    checkItem(item);
    return genres.get(item);
  }

  /** Number of interactions of {@code user}. */
  public int sequenceLength(int user) {
    checkUser(user);
    return sequences[user].length;
  }

  /** The user's items (dense, 1-based) in chronological order; a fresh copy. */
  public int[] sequence(int user) {
    checkUser(user);
    return sequences[user].clone();
  }

  /** Timestamps aligned with {@link #sequence(int)}; a fresh copy. */
  public long[] timestamps(int user) {
    checkUser(user);
    return timestamps[user].clone();
  }

  /** Ratings aligned with {@link #sequence(int)} (NaN where the data had none); a fresh copy. */
  public float[] ratings(int user) {
    checkUser(user);
    return ratings[user].clone();
  }

  private void checkUser(int user) {
    if (user < 0 || user >= userIds.length) {
      throw new IndexOutOfBoundsException(
          "user must be in [0, " + userIds.length + "), got " + user);
    }
  }

  private void checkItem(int item) {
    if (item < 1 || item > itemIds.length) {
      throw new IndexOutOfBoundsException(
          "item must be in [1, " + itemIds.length + "] (0 is padding), got " + item);
    }
  }

  @Override
  public String toString() {
    return "InteractionDataset[" + summary + "]";
  }
}
