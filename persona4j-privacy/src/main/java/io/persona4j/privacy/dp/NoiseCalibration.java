/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

/**
 * The smallest noise multiplier that keeps {@code steps} subsampled-Gaussian steps within a target
 * epsilon, found by bisection on the {@link RdpAccountant} (epsilon decreases as the noise
 * multiplier grows).
 */
public final class NoiseCalibration {
  private static final double MAX_SIGMA = 1e4;

  private NoiseCalibration() {}

  /**
   * {@link #noiseMultiplier(double, double, long, double, RdpAccountant.Conversion)} (Balle 2020).
   */
  public static double noiseMultiplier(double targetEpsilon, double q, long steps, double delta) {
    return noiseMultiplier(targetEpsilon, q, steps, delta, RdpAccountant.Conversion.BALLE_2020);
  }

  /**
   * The noise multiplier sigma with {@code epsilon(q, sigma, steps, delta) <= targetEpsilon},
   * within a relative 1e-4 of the smallest such sigma.
   *
   * @param targetEpsilon the budget, {@code > 0}
   * @param q Poisson sampling rate in (0, 1]
   * @param steps number of steps (rounds), {@code >= 1}
   * @param delta in (0, 1)
   * @throws IllegalArgumentException naming the argument if one is out of range, or if even sigma =
   *     1e4 exceeds the budget
   */
  public static double noiseMultiplier(
      double targetEpsilon,
      double q,
      long steps,
      double delta,
      RdpAccountant.Conversion conversion) {
    if (!(targetEpsilon > 0) || Double.isInfinite(targetEpsilon)) {
      throw new IllegalArgumentException(
          "targetEpsilon must be finite and > 0, got " + targetEpsilon);
    }
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("q must be in (0, 1], got " + q);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    double hi = 1;
    while (epsilon(q, hi, steps, delta, conversion) > targetEpsilon) {
      hi *= 2;
      if (hi > MAX_SIGMA) {
        throw new IllegalArgumentException(
            "targetEpsilon " + targetEpsilon + " needs a noise multiplier above " + MAX_SIGMA);
      }
    }
    double lo = hi / 2;
    if (epsilon(q, lo, steps, delta, conversion) <= targetEpsilon) {
      lo = 0;
    }
    while (hi - lo > 1e-4 * hi) {
      double mid = (lo + hi) / 2;
      if (epsilon(q, mid, steps, delta, conversion) <= targetEpsilon) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private static double epsilon(
      double q, double sigma, long steps, double delta, RdpAccountant.Conversion conversion) {
    return new RdpAccountant().compose(q, sigma, steps).privacySpent(delta, conversion).epsilon();
  }
}
