/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What k-means gains on data without cluster structure, the null reference of {@link
 * AdaptiveClusteringConfig}'s criterion (in the spirit of Tibshirani, Walther and Hastie's gap
 * statistic). From public numbers only ({@code n}, the dimension {@code r}, the seed), the server
 * draws {@code referenceSets} sets of {@code n} points from one isotropic Gaussian in {@code max(1,
 * r - 1)} dimensions (n unit vectors of one cluster lie near a (r-1)-dimensional cap of the
 * sphere), fits plain k-means to each with the same initialization scheme, restarts and iterations
 * as the secure fit, and reports, per {@code k}, the mean and standard deviation of {@code W(k) /
 * W(k - 1)} over the sets. The ratio is scale- and translation-invariant, so the reference needs no
 * client data.
 */
public final class ReferenceRatios {
  /**
   * The null distribution of {@code W(k) / W(k - 1)} for one {@code k}.
   *
   * @param k number of clusters
   * @param mean mean ratio over the reference sets
   * @param std sample standard deviation over the reference sets
   * @param sets reference sets with a feasible fit at {@code k} and {@code k - 1}
   */
  public record Ratio(int k, double mean, double std, int sets) {
    /** The largest ratio accepted at {@code z} standard deviations below the mean. */
    public double threshold(double z) {
      return mean - z * std;
    }
  }

  private ReferenceRatios() {}

  /**
   * Reference ratios for {@code k = 2 .. maxK} (index {@code k - 2}); a {@code k} that no reference
   * set could fit has NaN mean and std.
   */
  public static List<Ratio> compute(AdaptiveClusteringConfig config, int n, int dim) {
    int refDim = Math.max(1, dim - 1);
    int maxK = config.maxK();
    double[][] ratios = new double[maxK + 1][config.referenceSets()];
    int[] counts = new int[maxK + 1];
    SecureKMeans initializer = new SecureKMeans(config);
    for (int b = 0; b < config.referenceSets(); b++) {
      SplittableRandom random = new SplittableRandom(config.seed() * 7_919L + 104_729L * b + 1);
      double[][] x = new double[n][refDim];
      for (double[] row : x) {
        for (int i = 0; i < refDim; i++) {
          row[i] = gaussian(random);
        }
      }
      double[] mu = new double[refDim];
      for (double[] row : x) {
        for (int i = 0; i < refDim; i++) {
          mu[i] += row[i] / n;
        }
      }
      int[] one = new int[n];
      double previous = within(x, one, centres(x, one, 1));
      double spread = Math.sqrt(previous / ((double) n * refDim));
      for (int k = 2; k <= maxK && (long) k * config.minClusterSize() <= n; k++) {
        double best = Double.NaN;
        for (int j = 0; j < config.restarts(); j++) {
          double w = lloyd(x, initializer.initialCentres(mu, spread, k, j), config);
          if (!Double.isNaN(w) && (Double.isNaN(best) || w < best)) {
            best = w;
          }
        }
        if (!Double.isNaN(best) && !Double.isNaN(previous) && previous > 0) {
          ratios[k][counts[k]++] = best / previous;
        }
        previous = best;
      }
    }
    List<Ratio> out = new ArrayList<>();
    for (int k = 2; k <= maxK; k++) {
      int m = counts[k];
      if (m == 0) {
        out.add(new Ratio(k, Double.NaN, Double.NaN, 0));
        continue;
      }
      double mean = 0;
      for (int i = 0; i < m; i++) {
        mean += ratios[k][i];
      }
      mean /= m;
      double ss = 0;
      for (int i = 0; i < m; i++) {
        ss += (ratios[k][i] - mean) * (ratios[k][i] - mean);
      }
      out.add(new Ratio(k, mean, m > 1 ? Math.sqrt(ss / (m - 1)) : 0, m));
    }
    return out;
  }

  /**
   * Plain Lloyd iterations as {@link SecureKMeans} runs them (until the centres repeat or {@code
   * maxIterations}); the within-cluster sum of squares, NaN if a cluster falls below {@code
   * minClusterSize}.
   */
  static double lloyd(double[][] x, double[][] init, AdaptiveClusteringConfig config) {
    double[][] centres = init;
    int[] assign = new int[x.length];
    for (int it = 0; it < config.maxIterations(); it++) {
      long[] counts = new long[centres.length];
      for (int i = 0; i < x.length; i++) {
        assign[i] = ClusterClient.nearest(x[i], centres);
        counts[assign[i]]++;
      }
      for (long c : counts) {
        if (c < config.minClusterSize()) {
          return Double.NaN;
        }
      }
      double[][] next = centres(x, assign, centres.length);
      boolean moved = !java.util.Arrays.deepEquals(next, centres);
      centres = next;
      if (!moved) {
        break;
      }
    }
    return within(x, assign, centres);
  }

  private static double[][] centres(double[][] x, int[] assign, int k) {
    int dim = x[0].length;
    double[][] c = new double[k][dim];
    long[] counts = new long[k];
    for (int i = 0; i < x.length; i++) {
      counts[assign[i]]++;
      for (int d = 0; d < dim; d++) {
        c[assign[i]][d] += x[i][d];
      }
    }
    for (int a = 0; a < k; a++) {
      for (int d = 0; d < dim; d++) {
        c[a][d] /= Math.max(1, counts[a]);
      }
    }
    return c;
  }

  private static double within(double[][] x, int[] assign, double[][] centres) {
    double w = 0;
    for (int i = 0; i < x.length; i++) {
      for (int d = 0; d < x[i].length; d++) {
        double e = x[i][d] - centres[assign[i]][d];
        w += e * e;
      }
    }
    return w;
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }
}
