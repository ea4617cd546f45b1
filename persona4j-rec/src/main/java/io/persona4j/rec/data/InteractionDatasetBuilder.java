/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import io.persona4j.core.train.DatasetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Collects items and interaction rows, then validates and indexes them into an {@link
 * InteractionDataset}. The loaders feed it from files; tests and callers may feed it in memory.
 *
 * <p>{@link #build()} drops rows whose item is unknown or has an empty title, sorts each user's
 * rows by timestamp (stable: ties keep the order in which they were added), then keeps only the
 * earliest row of every (user, item) pair. Each dropped row is counted in the {@link
 * DatasetSummary} and listed (up to {@value #LISTED_PROBLEMS}) as a {@link DatasetProblem}.
 */
public final class InteractionDatasetBuilder {
  /** At most this many dropped rows are kept as {@link DatasetProblem}s; all are counted. */
  public static final int LISTED_PROBLEMS = 1000;

  private record CatalogItem(String title, List<String> genres) {}

  private final DatasetLayout layout;
  private final Path source;
  private Path itemsFile;
  private Path interactionsFile;
  private final Map<Long, CatalogItem> catalog = new HashMap<>();
  private final Map<Long, Long> catalogLine = new HashMap<>();
  private int rows;
  private long[] users = new long[1024];
  private long[] items = new long[1024];
  private long[] times = new long[1024];
  private float[] ratings = new float[1024];
  private long[] lines = new long[1024];

  InteractionDatasetBuilder(DatasetLayout layout, Path source) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.source = source;
  }

  void files(Path interactions, Path itemsPath) {
    this.interactionsFile = interactions;
    this.itemsFile = itemsPath;
  }

  /**
   * Adds an item. A blank title is allowed here (its interactions are dropped at {@link #build()}).
   *
   * @throws IllegalArgumentException if {@code id} was added before
   */
  public InteractionDatasetBuilder item(long id, String title, List<String> genres) {
    CatalogItem previous = catalog.putIfAbsent(id, newItem(title, genres));
    if (previous != null) {
      throw new IllegalArgumentException("item " + id + " added twice");
    }
    return this;
  }

  void item(long id, String title, List<String> genres, long line) throws DatasetException {
    CatalogItem previous = catalog.putIfAbsent(id, newItem(title, genres));
    if (previous != null) {
      throw new DatasetException(
          itemsFile,
          line,
          "id",
          "item " + id + " already defined at line " + catalogLine.get(id) + ": '" + id + "'");
    }
    catalogLine.put(id, line);
  }

  private static CatalogItem newItem(String title, List<String> genres) {
    Objects.requireNonNull(title, "title");
    return new CatalogItem(title.strip(), List.copyOf(genres));
  }

  /** Adds an interaction without a rating. */
  public InteractionDatasetBuilder interaction(long user, long item, long timestamp) {
    return interaction(user, item, timestamp, Float.NaN);
  }

  /** Adds an interaction; {@code rating} may be NaN (none). */
  public InteractionDatasetBuilder interaction(long user, long item, long timestamp, float rating) {
    add(user, item, timestamp, rating, rows + 1L);
    return this;
  }

  void interaction(long user, long item, long timestamp, float rating, long line) {
    add(user, item, timestamp, rating, line);
  }

  private void add(long user, long item, long timestamp, float rating, long line) {
    if (rows == users.length) {
      int n = rows * 2;
      users = Arrays.copyOf(users, n);
      items = Arrays.copyOf(items, n);
      times = Arrays.copyOf(times, n);
      ratings = Arrays.copyOf(ratings, n);
      lines = Arrays.copyOf(lines, n);
    }
    users[rows] = user;
    items[rows] = item;
    times[rows] = timestamp;
    ratings[rows] = rating;
    lines[rows] = line;
    rows++;
  }

  /** Validates, sorts, deduplicates and indexes what was added. */
  public InteractionDataset build() {
    EnumMap<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
    List<DatasetProblem> problems = new ArrayList<>();
    int kept = 0;
    Integer[] order = new Integer[rows];
    for (int r = 0; r < rows; r++) {
      CatalogItem item = catalog.get(items[r]);
      if (item == null) {
        drop(dropped, problems, DropReason.UNKNOWN_ITEM, r, "not in the items file");
      } else if (item.title().isEmpty()) {
        drop(dropped, problems, DropReason.EMPTY_TITLE, r, "the item has no title");
      } else {
        order[kept++] = r;
      }
    }
    Integer[] sorted = Arrays.copyOf(order, kept);
    // Stable by construction: the row index breaks ties.
    Arrays.sort(
        sorted,
        (a, b) -> {
          int c = Long.compare(users[a], users[b]);
          if (c != 0) {
            return c;
          }
          c = Long.compare(times[a], times[b]);
          return c != 0 ? c : Integer.compare(a, b);
        });

    List<int[]> userRows = new ArrayList<>(); // rows of each user, chronological, deduplicated
    List<Long> userIds = new ArrayList<>();
    int resorted = 0;
    Map<Long, Integer> firstRow = new HashMap<>();
    int[] buffer = new int[16];
    for (int start = 0; start < sorted.length; ) {
      long user = users[sorted[start]];
      int end = start;
      while (end < sorted.length && users[sorted[end]] == user) {
        end++;
      }
      boolean inFileOrder = true;
      firstRow.clear();
      int n = 0;
      for (int i = start; i < end; i++) {
        int r = sorted[i];
        if (i > start && r < sorted[i - 1]) {
          inFileOrder = false;
        }
        Integer earlier = firstRow.putIfAbsent(items[r], r);
        if (earlier != null) {
          drop(
              dropped,
              problems,
              DropReason.DUPLICATE,
              r,
              "kept the earlier row " + where(earlier) + " (timestamp " + times[earlier] + ")");
          continue;
        }
        if (n == buffer.length) {
          buffer = Arrays.copyOf(buffer, n * 2);
        }
        buffer[n++] = r;
      }
      if (!inFileOrder) {
        resorted++;
      }
      userRows.add(Arrays.copyOf(buffer, n));
      userIds.add(user);
      start = end;
    }

    long[] itemIds =
        userRows.stream()
            .flatMapToInt(Arrays::stream)
            .mapToLong(r -> items[r])
            .distinct()
            .sorted()
            .toArray();
    int numUsers = userRows.size();
    int[][] sequences = new int[numUsers][];
    long[][] timestamps = new long[numUsers][];
    float[][] userRatings = new float[numUsers][];
    long interactions = 0;
    for (int u = 0; u < numUsers; u++) {
      int[] rs = userRows.get(u);
      sequences[u] = new int[rs.length];
      timestamps[u] = new long[rs.length];
      userRatings[u] = new float[rs.length];
      for (int i = 0; i < rs.length; i++) {
        sequences[u][i] = Arrays.binarySearch(itemIds, items[rs[i]]) + 1;
        timestamps[u][i] = times[rs[i]];
        userRatings[u][i] = ratings[rs[i]];
      }
      interactions += rs.length;
    }
    String[] titles = new String[itemIds.length + 1];
    List<List<String>> genres = new ArrayList<>(itemIds.length + 1);
    titles[0] = "";
    genres.add(List.of());
    for (int i = 0; i < itemIds.length; i++) {
      CatalogItem item = catalog.get(itemIds[i]);
      titles[i + 1] = item.title();
      genres.add(item.genres());
    }
    DatasetSummary summary =
        new DatasetSummary(
            layout,
            numUsers,
            itemIds.length,
            interactions,
            rows,
            dropped,
            resorted,
            catalog.size());
    return new InteractionDataset(
        layout,
        source,
        userIds.stream().mapToLong(Long::longValue).toArray(),
        itemIds,
        titles,
        genres,
        sequences,
        timestamps,
        userRatings,
        summary,
        problems);
  }

  private void drop(
      EnumMap<DropReason, Long> dropped,
      List<DatasetProblem> problems,
      DropReason reason,
      int row,
      String why) {
    dropped.merge(reason, 1L, Long::sum);
    if (problems.size() < LISTED_PROBLEMS) {
      problems.add(
          new DatasetProblem(
              reason,
              interactionsFile,
              lines[row],
              "user " + users[row] + ", item " + items[row] + ": " + why));
    }
  }

  private String where(int row) {
    return interactionsFile == null ? "row " + lines[row] : "at line " + lines[row];
  }
}
