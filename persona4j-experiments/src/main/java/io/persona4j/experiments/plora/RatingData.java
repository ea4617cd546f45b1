/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import io.persona4j.rec.data.InteractionDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * MovieLens ratings as per-user text classification for PLoRA: each rating becomes a row whose text
 * is the movie's {@code title | genres} and whose class is the rating (10 classes: 0.5 -> 0 ... 5.0
 * -> 9; 5 classes: ceil(rating) - 1). Users are split into disjoint groups, "a" (trained on) and
 * "b" (new users), by a seeded shuffle; each user's ratings are split by time 8:1:1 into train,
 * validation and test (every user has >= 20 ratings, so each part is non-empty).
 */
public final class RatingData {
  /** One rating. */
  public record Row(String user, String text, float rating) {}

  /**
   * One user's ratings in time order, split.
   *
   * @param user the user id
   * @param groupB whether the user is a new user (group "b")
   */
  public record UserRows(
      String user, boolean groupB, List<Row> train, List<Row> val, List<Row> test) {}

  private final List<UserRows> groupA;
  private final List<UserRows> groupB;

  private RatingData(List<UserRows> groupA, List<UserRows> groupB) {
    this.groupA = List.copyOf(groupA);
    this.groupB = List.copyOf(groupB);
  }

  /**
   * Loads {@code dir} (any layout {@link InteractionDataset} reads) and splits it.
   *
   * @param maxUsers at most this many users (the first in a seeded shuffle), 0 for all
   * @param groupBFraction the share of users in group "b", in (0, 1)
   * @param splitSeed seed of the user shuffle (fixed across the experiment's seeds)
   */
  public static RatingData load(Path dir, int maxUsers, double groupBFraction, long splitSeed)
      throws IOException {
    if (!(groupBFraction > 0 && groupBFraction < 1)) {
      throw new IllegalArgumentException("groupBFraction must be in (0, 1), got " + groupBFraction);
    }
    InteractionDataset d = InteractionDataset.load(dir);
    List<Integer> users = new ArrayList<>();
    for (int u = 0; u < d.numUsers(); u++) {
      if (d.sequenceLength(u) >= 10) {
        users.add(u);
      }
    }
    Collections.shuffle(users, new java.util.Random(splitSeed));
    if (maxUsers > 0 && users.size() > maxUsers) {
      users = new ArrayList<>(users.subList(0, maxUsers));
    }
    int nb = Math.max(1, (int) Math.round(users.size() * groupBFraction));
    List<UserRows> a = new ArrayList<>();
    List<UserRows> b = new ArrayList<>();
    for (int i = 0; i < users.size(); i++) {
      int u = users.get(i);
      String id = Long.toString(d.userId(u));
      int[] items = d.sequence(u);
      float[] ratings = d.ratings(u);
      List<Row> rows = new ArrayList<>();
      for (int k = 0; k < items.length; k++) {
        if (Float.isFinite(ratings[k])) {
          rows.add(new Row(id, text(d.title(items[k]), d.genres(items[k])), ratings[k]));
        }
      }
      if (rows.size() < 10) {
        continue;
      }
      int n = rows.size();
      int nTrain = (int) Math.round(0.8 * n);
      int nVal = (int) Math.round(0.1 * n);
      UserRows ur =
          new UserRows(
              id,
              i < nb,
              List.copyOf(rows.subList(0, nTrain)),
              List.copyOf(rows.subList(nTrain, nTrain + nVal)),
              List.copyOf(rows.subList(nTrain + nVal, n)));
      (i < nb ? b : a).add(ur);
    }
    return new RatingData(a, b);
  }

  /** The row text: {@code title | genre, genre, ...}. */
  static String text(String title, List<String> genres) {
    return title + " | " + String.join(", ", genres);
  }

  /** Users trained on. */
  public List<UserRows> groupA() {
    return groupA;
  }

  /** New users. */
  public List<UserRows> groupB() {
    return groupB;
  }

  /** The class of a rating: 10 classes (half stars) or 5 (ceil of the stars). */
  public static int label(float rating, int classes) {
    int c =
        switch (classes) {
          case 10 -> Math.round(rating * 2) - 1;
          case 5 -> (int) Math.ceil(rating - 1e-6) - 1;
          default -> throw new IllegalArgumentException("classes must be 10 or 5, got " + classes);
        };
    if (c < 0 || c >= classes) {
      throw new IllegalArgumentException("rating " + rating + " outside 0.5..5");
    }
    return c;
  }

  /** Stars per class step: 0.5 for 10 classes, 1 for 5. */
  public static double starsPerClass(int classes) {
    return classes == 10 ? 0.5 : 1.0;
  }

  /** A seeded sample of {@code k} rows (all of them if there are fewer), in time order. */
  static List<Row> sample(List<Row> rows, int k, long seed) {
    if (rows.size() <= k) {
      return rows;
    }
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      idx.add(i);
    }
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = idx.size() - 1; i > 0; i--) {
      Collections.swap(idx, i, r.nextInt(i + 1));
    }
    List<Integer> chosen = new ArrayList<>(idx.subList(0, k));
    Collections.sort(chosen);
    List<Row> out = new ArrayList<>();
    chosen.forEach(i -> out.add(rows.get(i)));
    return out;
  }
}
