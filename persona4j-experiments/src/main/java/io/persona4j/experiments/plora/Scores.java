/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Accuracy, RMSE (in stars: the class difference times the class width) and macro-F1 (over the
 * classes present in the truth or the predictions, as scikit-learn averages) of predictions; and a
 * paired bootstrap over users.
 *
 * @param accuracy fraction correct
 * @param rmse root mean squared difference of predicted and true rating, in stars
 * @param macroF1 unweighted mean F1 over the classes present
 * @param rows predictions scored
 */
public record Scores(double accuracy, double rmse, double macroF1, int rows) {
  /** The metrics' names, in the order of {@link #get}. */
  static final List<String> METRICS = List.of("accuracy", "rmse", "macro_f1");

  /** Metric {@code name}. */
  double get(String name) {
    return switch (name) {
      case "accuracy" -> accuracy;
      case "rmse" -> rmse;
      case "macro_f1" -> macroF1;
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** Scores of {@code pairs} ({truth, prediction}) on a {@code classes}-class task. */
  static Scores of(List<int[]> pairs, int classes) {
    if (pairs.isEmpty()) {
      return new Scores(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    long[][] confusion = new long[classes][classes];
    long correct = 0;
    double sq = 0;
    double step = RatingData.starsPerClass(classes);
    for (int[] p : pairs) {
      confusion[p[0]][p[1]]++;
      correct += p[0] == p[1] ? 1 : 0;
      double d = (p[0] - p[1]) * step;
      sq += d * d;
    }
    double f1 = 0;
    int present = 0;
    for (int c = 0; c < classes; c++) {
      long tp = confusion[c][c];
      long truth = 0;
      long pred = 0;
      for (int k = 0; k < classes; k++) {
        truth += confusion[c][k];
        pred += confusion[k][c];
      }
      if (truth == 0 && pred == 0) {
        continue;
      }
      present++;
      f1 += tp == 0 ? 0 : 2.0 * tp / (truth + pred);
    }
    return new Scores(
        (double) correct / pairs.size(), Math.sqrt(sq / pairs.size()), f1 / present, pairs.size());
  }

  /**
   * A percentile bootstrap of {@code metric(a) - metric(b)} over users: users are resampled with
   * replacement and each method's metric is computed on the resampled users' pooled rows.
   *
   * @param a per user, method a's {truth, prediction} pairs (every seed's)
   * @param b per user, method b's pairs on the same rows
   * @return {difference on all users, 2.5th percentile, 97.5th percentile}
   */
  static double[] pairedBootstrap(
      Map<String, List<int[]>> a,
      Map<String, List<int[]>> b,
      int classes,
      String metric,
      int resamples,
      long seed) {
    List<String> users = new ArrayList<>(a.keySet());
    users.retainAll(b.keySet());
    if (users.isEmpty()) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    double full = of(pool(a, users), classes).get(metric) - of(pool(b, users), classes).get(metric);
    double[] diffs = new double[resamples];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < resamples; i++) {
      List<String> sample = new ArrayList<>(users.size());
      for (int k = 0; k < users.size(); k++) {
        sample.add(users.get(r.nextInt(users.size())));
      }
      diffs[i] =
          of(pool(a, sample), classes).get(metric) - of(pool(b, sample), classes).get(metric);
    }
    java.util.Arrays.sort(diffs);
    return new double[] {
      full,
      diffs[(int) Math.floor(0.025 * (resamples - 1))],
      diffs[(int) Math.ceil(0.975 * (resamples - 1))]
    };
  }

  private static List<int[]> pool(Map<String, List<int[]>> byUser, List<String> users) {
    List<int[]> out = new ArrayList<>();
    for (String u : users) {
      out.addAll(byUser.get(u));
    }
    return out;
  }

  /** Groups {@code pairs} by {@code users} (aligned). */
  static Map<String, List<int[]>> byUser(List<String> users, List<int[]> pairs) {
    Map<String, List<int[]>> out = new LinkedHashMap<>();
    for (int i = 0; i < users.size(); i++) {
      out.computeIfAbsent(users.get(i), k -> new ArrayList<>()).add(pairs.get(i));
    }
    return out;
  }
}
