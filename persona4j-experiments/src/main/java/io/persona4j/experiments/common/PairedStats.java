/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Statistics for paired comparisons of two methods on the same test units (users, clients or test
 * examples): the mean of the per-unit differences with a percentile bootstrap confidence interval,
 * McNemar's test for hit/miss outcomes, and mean and sample standard deviation over seeds.
 */
public final class PairedStats {
  private PairedStats() {}

  /**
   * A mean paired difference and its bootstrap interval.
   *
   * @param mean observed mean of {@code a - b}
   * @param low lower end of the interval
   * @param high upper end of the interval
   * @param units number of paired units
   */
  public record Interval(double mean, double low, double high, int units) {
    /** Whether the interval lies entirely above or entirely below zero. */
    public boolean excludesZero() {
      return low > 0 || high < 0;
    }

    /** {@code +0.0123 [-0.0040, +0.0290]}. */
    public String format() {
      return String.format(java.util.Locale.ROOT, "%+.4f [%+.4f, %+.4f]", mean, low, high);
    }
  }

  /**
   * McNemar's test of paired hit/miss outcomes.
   *
   * @param onlyA units that {@code a} hits and {@code b} misses
   * @param onlyB units that {@code b} hits and {@code a} misses
   * @param exactP two-sided exact p-value (binomial with p = 1/2 on the {@code onlyA + onlyB}
   *     discordant units; 1 when there are none)
   * @param chiSquare continuity-corrected statistic {@code (|onlyA - onlyB| - 1)^2 / (onlyA +
   *     onlyB)}, as statsmodels computes it (0 when there are no discordant units)
   */
  public record McNemar(long onlyA, long onlyB, double exactP, double chiSquare) {}

  /**
   * Mean paired difference {@code a[i] - b[i]} with a percentile bootstrap interval: the units are
   * resampled with replacement ({@code resamples} times, seeded), the same units for both methods.
   *
   * @param level coverage, in (0, 1), e.g. 0.95
   */
  public static Interval bootstrap(double[] a, double[] b, int resamples, double level, long seed) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "paired samples differ in length: " + a.length + " and " + b.length);
    }
    if (a.length == 0) {
      throw new IllegalArgumentException("paired samples are empty");
    }
    if (resamples < 1) {
      throw new IllegalArgumentException("resamples must be >= 1, got " + resamples);
    }
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException("level must be in (0, 1), got " + level);
    }
    int n = a.length;
    double[] d = new double[n];
    double mean = 0;
    for (int i = 0; i < n; i++) {
      d[i] = a[i] - b[i];
      mean += d[i];
    }
    mean /= n;
    SplittableRandom random = new SplittableRandom(seed);
    double[] means = new double[resamples];
    for (int r = 0; r < resamples; r++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += d[random.nextInt(n)];
      }
      means[r] = s / n;
    }
    Arrays.sort(means);
    double tail = (1 - level) / 2;
    return new Interval(mean, quantile(means, tail), quantile(means, 1 - tail), n);
  }

  /** The 95% bootstrap interval with 10,000 resamples. */
  public static Interval bootstrap95(double[] a, double[] b, long seed) {
    return bootstrap(a, b, 10_000, 0.95, seed);
  }

  /** Linear-interpolated quantile {@code q} of sorted values (type 7, as numpy's default). */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /** McNemar's test of paired outcomes {@code a[i]}, {@code b[i]} (hit = true). */
  public static McNemar mcNemar(boolean[] a, boolean[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "paired outcomes differ in length: " + a.length + " and " + b.length);
    }
    long onlyA = 0;
    long onlyB = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] && !b[i]) {
        onlyA++;
      } else if (b[i] && !a[i]) {
        onlyB++;
      }
    }
    long n = onlyA + onlyB;
    if (n == 0) {
      return new McNemar(0, 0, 1.0, 0.0);
    }
    double chi = Math.pow(Math.abs(onlyA - onlyB) - 1.0, 2) / n;
    long k = Math.min(onlyA, onlyB);
    // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space
    double tail = 0;
    for (long i = 0; i <= k; i++) {
      tail += Math.exp(logChoose(n, i) - n * Math.log(2));
    }
    return new McNemar(onlyA, onlyB, Math.min(1.0, 2 * tail), chi);
  }

  private static double logChoose(long n, long k) {
    double s = 0;
    for (long i = 1; i <= k; i++) {
      s += Math.log(n - k + i) - Math.log(i);
    }
    return s;
  }

  /** Mean and sample standard deviation (n - 1; 0 for one value) as {mean, std}. */
  public static double[] meanStd(double[] values) {
    if (values.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double mean = Arrays.stream(values).average().orElseThrow();
    double ss = 0;
    for (double v : values) {
      ss += (v - mean) * (v - mean);
    }
    return new double[] {mean, values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : 0};
  }

  /**
   * Hubert and Arabie's adjusted Rand index of two labelings of the same items: 1 for identical
   * partitions (up to renaming), about 0 for independent ones.
   */
  public static double adjustedRandIndex(int[] x, int[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "labelings differ in length: " + x.length + " and " + y.length);
    }
    int kx = Arrays.stream(x).max().orElse(-1) + 1;
    int ky = Arrays.stream(y).max().orElse(-1) + 1;
    long[][] table = new long[Math.max(kx, 0)][Math.max(ky, 0)];
    for (int i = 0; i < x.length; i++) {
      if (x[i] < 0 || y[i] < 0) {
        throw new IllegalArgumentException("labels must be >= 0, item " + i);
      }
      table[x[i]][y[i]]++;
    }
    double index = 0;
    double[] rows = new double[kx];
    double[] cols = new double[ky];
    for (int i = 0; i < kx; i++) {
      for (int j = 0; j < ky; j++) {
        index += pairs(table[i][j]);
        rows[i] += table[i][j];
        cols[j] += table[i][j];
      }
    }
    double sumRows = Arrays.stream(rows).map(PairedStats::pairs).sum();
    double sumCols = Arrays.stream(cols).map(PairedStats::pairs).sum();
    double expected = sumRows * sumCols / pairs(x.length);
    double max = (sumRows + sumCols) / 2;
    if (max == expected) {
      return 1.0; // both labelings trivial (one cluster each, or all singletons): identical
    }
    return (index - expected) / (max - expected);
  }

  private static double pairs(double n) {
    return n * (n - 1) / 2;
  }
}
