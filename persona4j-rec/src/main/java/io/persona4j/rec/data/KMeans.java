/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lloyd's K-means with k-means++ initialization (Arthur and Vassilvitskii, 2007), seeded and
 * deterministic. Distances are squared Euclidean, computed in double precision; ties go to the
 * lower cluster index.
 *
 * <p>No cluster is ever left empty: after each assignment step, an empty cluster is reseeded with
 * the point farthest from its own centroid among the clusters holding more than one point, which
 * moves to it. This needs {@code k <= number of points}.
 */
public final class KMeans {
  private KMeans() {}

  /** Default cap on Lloyd iterations. */
  public static final int DEFAULT_MAX_ITERATIONS = 100;

  /**
   * The clustering.
   *
   * @param assignments cluster of each point, in {@code 0..k-1}; every cluster non-empty
   * @param centroids mean of each cluster's points
   * @param iterations Lloyd iterations run
   * @param converged whether the assignments stopped changing before the iteration cap
   * @param inertia sum of squared distances from points to their centroids
   */
  public record Result(
      int[] assignments, double[][] centroids, int iterations, boolean converged, double inertia) {}

  /** K-means with {@link #DEFAULT_MAX_ITERATIONS}. */
  public static Result fit(float[][] points, int k, long seed) {
    return fit(points, k, seed, DEFAULT_MAX_ITERATIONS);
  }

  /**
   * Clusters {@code points} (all of one dimension, finite) into {@code k} non-empty clusters.
   *
   * @throws IllegalArgumentException if {@code k} is not in {@code 1..points.length}, dimensions
   *     differ or a value is not finite
   */
  public static Result fit(float[][] points, int k, long seed, int maxIterations) {
    int n = points.length;
    if (n == 0) {
      throw new IllegalArgumentException("points must not be empty");
    }
    if (k < 1 || k > n) {
      throw new IllegalArgumentException("k must be in [1, " + n + "] (the points), got " + k);
    }
    if (maxIterations < 1) {
      throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
    }
    int dim = points[0].length;
    for (int i = 0; i < n; i++) {
      if (points[i].length != dim) {
        throw new IllegalArgumentException(
            "points[" + i + "] has dimension " + points[i].length + ", expected " + dim);
      }
      for (float v : points[i]) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("points[" + i + "] has a non-finite value: " + v);
        }
      }
    }
    double[][] centroids = initPlusPlus(points, k, new SplittableRandom(seed));
    int[] assign = new int[n];
    Arrays.fill(assign, -1);
    int iterations = 0;
    boolean converged = false;
    while (iterations < maxIterations) {
      iterations++;
      int[] next = new int[n];
      for (int i = 0; i < n; i++) {
        next[i] = nearest(points[i], centroids);
      }
      reseedEmpty(points, next, centroids);
      if (Arrays.equals(next, assign)) {
        converged = true;
        break;
      }
      assign = next;
      centroids = means(points, assign, k);
    }
    double inertia = 0;
    for (int i = 0; i < n; i++) {
      inertia += distance2(points[i], centroids[assign[i]]);
    }
    return new Result(assign, centroids, iterations, converged, inertia);
  }

  private static double[][] initPlusPlus(float[][] points, int k, SplittableRandom rng) {
    int n = points.length;
    double[][] centroids = new double[k][];
    boolean[] chosen = new boolean[n];
    int first = rng.nextInt(n);
    chosen[first] = true;
    centroids[0] = toDouble(points[first]);
    double[] d2 = new double[n];
    for (int i = 0; i < n; i++) {
      d2[i] = distance2(points[i], centroids[0]);
    }
    for (int c = 1; c < k; c++) {
      double total = 0;
      for (double d : d2) {
        total += d;
      }
      int pick = -1;
      if (total > 0) {
        double r = rng.nextDouble() * total;
        for (int i = 0; i < n; i++) {
          if (d2[i] > 0) {
            pick = i;
            r -= d2[i];
            if (r < 0) {
              break;
            }
          }
        }
      } else { // fewer distinct points than clusters: any point not yet chosen
        int skip = rng.nextInt(n - c);
        for (int i = 0; i < n; i++) {
          if (!chosen[i] && skip-- == 0) {
            pick = i;
            break;
          }
        }
      }
      chosen[pick] = true;
      centroids[c] = toDouble(points[pick]);
      for (int i = 0; i < n; i++) {
        d2[i] = Math.min(d2[i], distance2(points[i], centroids[c]));
      }
    }
    return centroids;
  }

  private static void reseedEmpty(float[][] points, int[] assign, double[][] centroids) {
    int k = centroids.length;
    int[] sizes = new int[k];
    for (int a : assign) {
      sizes[a]++;
    }
    for (int c = 0; c < k; c++) {
      if (sizes[c] > 0) {
        continue;
      }
      int far = -1;
      double farD = -1;
      for (int i = 0; i < points.length; i++) {
        if (sizes[assign[i]] > 1) {
          double d = distance2(points[i], centroids[assign[i]]);
          if (d > farD) {
            farD = d;
            far = i;
          }
        }
      }
      sizes[assign[far]]--;
      assign[far] = c;
      sizes[c] = 1;
      centroids[c] = toDouble(points[far]);
    }
  }

  private static double[][] means(float[][] points, int[] assign, int k) {
    int dim = points[0].length;
    double[][] sums = new double[k][dim];
    int[] counts = new int[k];
    for (int i = 0; i < points.length; i++) {
      double[] s = sums[assign[i]];
      for (int d = 0; d < dim; d++) {
        s[d] += points[i][d];
      }
      counts[assign[i]]++;
    }
    for (int c = 0; c < k; c++) {
      for (int d = 0; d < dim; d++) {
        sums[c][d] /= counts[c];
      }
    }
    return sums;
  }

  private static int nearest(float[] p, double[][] centroids) {
    int best = 0;
    double bestD = distance2(p, centroids[0]);
    for (int c = 1; c < centroids.length; c++) {
      double d = distance2(p, centroids[c]);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  }

  static double distance2(float[] p, double[] c) {
    double s = 0;
    for (int d = 0; d < p.length; d++) {
      double diff = p[d] - c[d];
      s += diff * diff;
    }
    return s;
  }

  private static double[] toDouble(float[] p) {
    double[] out = new double[p.length];
    for (int d = 0; d < p.length; d++) {
      out[d] = p[d];
    }
    return out;
  }
}
