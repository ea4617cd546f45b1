/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Shared arithmetic of the robust strategies: the replies' parameters as flat vectors (in client-id
 * order, so results do not depend on arrival order), coordinate-wise order statistics in double,
 * and squared Euclidean distances.
 */
final class Coordinates {

  private Coordinates() {}

  /** The replies sorted by client id (the order every robust rule works in). */
  static List<Reply> sorted(List<Reply> replies) {
    if (replies.isEmpty()) {
      throw new IllegalArgumentException("no replies to aggregate");
    }
    List<Reply> out = new ArrayList<>(replies);
    out.sort(Comparator.comparing(Reply::clientId));
    ParameterSet first = out.get(0).parameters();
    for (Reply r : out) {
      r.parameters()
          .layoutMismatch(first)
          .ifPresent(
              why -> {
                throw new IllegalArgumentException(
                    "reply of client '" + r.clientId() + "' has another layout: " + why);
              });
    }
    return out;
  }

  /** Each reply's parameters flattened: {@code [client][coordinate]}. */
  static float[][] flat(List<Reply> sorted) {
    float[][] out = new float[sorted.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = sorted.get(i).parameters().flatten();
    }
    return out;
  }

  /** The coordinate-wise median (numpy's: the mean of the two middle values for an even count). */
  static float[] median(float[][] x) {
    int n = x.length;
    int d = x[0].length;
    float[] out = new float[d];
    double[] column = new double[n];
    for (int j = 0; j < d; j++) {
      for (int i = 0; i < n; i++) {
        column[i] = x[i][j];
      }
      Arrays.sort(column);
      out[j] = (float) (n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2.0);
    }
    return out;
  }

  /**
   * The coordinate-wise mean of the values left after removing the {@code cut} smallest and the
   * {@code cut} largest of each coordinate.
   */
  static float[] trimmedMean(float[][] x, int cut) {
    int n = x.length;
    if (2 * cut >= n) {
      throw new IllegalArgumentException(
          "cannot trim " + cut + " values from each end of " + n + " replies");
    }
    int d = x[0].length;
    float[] out = new float[d];
    double[] column = new double[n];
    for (int j = 0; j < d; j++) {
      for (int i = 0; i < n; i++) {
        column[i] = x[i][j];
      }
      Arrays.sort(column);
      double sum = 0;
      for (int i = cut; i < n - cut; i++) {
        sum += column[i];
      }
      out[j] = (float) (sum / (n - 2 * cut));
    }
    return out;
  }

  /** {@code ||a - b||^2} accumulated in double. */
  static double squaredDistance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double t = (double) a[i] - b[i];
      s += t * t;
    }
    return s;
  }

  /** The symmetric matrix of squared distances between the rows of {@code x}. */
  static double[][] squaredDistances(float[][] x) {
    int n = x.length;
    double[][] d = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        d[i][j] = squaredDistance(x[i], x[j]);
        d[j][i] = d[i][j];
      }
    }
    return d;
  }

  /** Indices {@code 0..n-1} sorted by {@code key} ascending, ties by index. */
  static Integer[] order(double[] key) {
    Integer[] idx = new Integer[key.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, Comparator.<Integer>comparingDouble(i -> key[i]).thenComparing(i -> i));
    return idx;
  }
}
