/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Paired bootstrap confidence interval of a mean difference: the test points are resampled with
 * replacement, the same points for both methods, and the percentile interval of the resampled mean
 * differences is reported.
 */
public final class PairedBootstrap {
  /**
   * @param mean the observed mean difference {@code a - b}
   * @param low lower end of the interval
   * @param high upper end
   */
  public record Interval(double mean, double low, double high) {
    /** Whether the interval excludes 0. */
    public boolean excludesZero() {
      return low > 0 || high < 0;
    }
  }

  private PairedBootstrap() {}

  /**
   * @param a per test point values of one method
   * @param b the other's, same points in the same order
   * @param level e.g. 0.95
   */
  public static Interval interval(double[] a, double[] b, int resamples, double level, long seed) {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException("paired samples of " + a.length + " and " + b.length);
    }
    int n = a.length;
    double[] d = new double[n];
    double mean = 0;
    for (int i = 0; i < n; i++) {
      d[i] = a[i] - b[i];
      mean += d[i];
    }
    mean /= n;
    SplittableRandom rng = new SplittableRandom(seed);
    double[] means = new double[resamples];
    for (int r = 0; r < resamples; r++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += d[rng.nextInt(n)];
      }
      means[r] = s / n;
    }
    Arrays.sort(means);
    double tail = (1 - level) / 2;
    int lo = (int) Math.floor(tail * (resamples - 1));
    int hi = (int) Math.ceil((1 - tail) * (resamples - 1));
    return new Interval(mean, means[lo], means[hi]);
  }
}
