/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import io.persona4j.rec.SharedData;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test-only reader of {@code ../shared/data/movielens-small/ratings.csv} with a leave-last-out
 * split (train = all but the last two items, valid = the second-to-last, test = the last). Items
 * are re-indexed densely by movieId order; users in userId order; a user's items by timestamp
 * (stable, so equal timestamps keep the file's order).
 */
record MovieLensSmall(
    int numItems,
    int[][] train,
    int[][] validHistories,
    int[] validTargets,
    int[][] testHistories,
    int[] testTargets) {

  /** {@code <shared>/data/movielens-small/ratings.csv} (see {@link SharedData#data}). */
  static Path ratingsFile() {
    return SharedData.data("movielens-small").resolve("ratings.csv");
  }

  /** Reads the first {@code maxUsers} users (by userId) or all when maxUsers <= 0. */
  static MovieLensSmall load(Path file, int maxUsers) throws IOException {
    Map<Integer, List<long[]>> byUser = new TreeMap<>(); // user -> [movieId, timestamp]
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = r.readLine();
      if (header == null || !header.startsWith("userId,movieId,rating,timestamp")) {
        throw new IOException(file + ": line 1: unexpected header " + header);
      }
      String line;
      int lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        String[] f = line.split(",", -1);
        if (f.length != 4) {
          throw new IOException(file + ": line " + lineNo + ": expected 4 columns: " + line);
        }
        try {
          byUser
              .computeIfAbsent(Integer.parseInt(f[0]), u -> new ArrayList<>())
              .add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[3])});
        } catch (NumberFormatException e) {
          throw new IOException(file + ": line " + lineNo + ": not a number in " + line, e);
        }
      }
    }
    List<List<long[]>> users = new ArrayList<>(byUser.values());
    if (maxUsers > 0 && users.size() > maxUsers) {
      users = users.subList(0, maxUsers);
    }
    TreeMap<Long, Integer> itemIndex = new TreeMap<>();
    users.forEach(u -> u.forEach(x -> itemIndex.put(x[0], 0)));
    int next = 1;
    for (Map.Entry<Long, Integer> e : itemIndex.entrySet()) {
      e.setValue(next++);
    }
    List<int[]> train = new ArrayList<>();
    List<int[]> validH = new ArrayList<>();
    List<Integer> validT = new ArrayList<>();
    List<int[]> testH = new ArrayList<>();
    List<Integer> testT = new ArrayList<>();
    for (List<long[]> u : users) {
      List<long[]> sorted = new ArrayList<>(u);
      sorted.sort(Comparator.comparingLong(x -> x[1]));
      int[] s = sorted.stream().mapToInt(x -> itemIndex.get(x[0])).toArray();
      if (s.length < 3) {
        continue;
      }
      int n = s.length;
      train.add(Arrays.copyOf(s, n - 2));
      validH.add(Arrays.copyOf(s, n - 2));
      validT.add(s[n - 2]);
      testH.add(Arrays.copyOf(s, n - 1));
      testT.add(s[n - 1]);
    }
    return new MovieLensSmall(
        itemIndex.size(),
        train.toArray(int[][]::new),
        validH.toArray(int[][]::new),
        validT.stream().mapToInt(Integer::intValue).toArray(),
        testH.toArray(int[][]::new),
        testT.stream().mapToInt(Integer::intValue).toArray());
  }

  /** HR@10 of ranking by training popularity (history excluded), for reference. */
  double popularityHitRate(int[][] histories, int[] targets) {
    float[] counts = new float[numItems + 1];
    for (int[] s : train) {
      for (int i : s) {
        counts[i]++;
      }
    }
    counts[0] = Float.NEGATIVE_INFINITY;
    int hits = 0;
    for (int u = 0; u < targets.length; u++) {
      hits += RankingMetrics.rank(counts, histories[u], targets[u]) < 10 ? 1 : 0;
    }
    return (double) hits / targets.length;
  }
}
