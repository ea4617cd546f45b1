/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

import java.util.Arrays;

/**
 * Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism (SGM), following Mironov,
 * Talwar and Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (2019), as
 * computed by TensorFlow Privacy and Opacus: for integer orders the exact binomial expansion of
 * {@code A_alpha} in log space (their Section 3.3), for fractional orders the two-sided series with
 * {@code erfc} terms (their Section 3.4), truncated when terms fall below {@code e^-30}. RDP
 * composes additively over steps.
 *
 * <p>Conversion to (epsilon, delta), selectable by {@link Conversion}:
 *
 * <ul>
 *   <li>{@link Conversion#BALLE_2020} (default): Balle, Barthe, Gaboardi, Hsu, Sato, "Hypothesis
 *       Testing Interpretations and Rényi Differential Privacy" (AISTATS 2020), Theorem 21: {@code
 *       eps = rdp + log((alpha-1)/alpha) - (log delta + log alpha) / (alpha - 1)}; the formula used
 *       by Opacus {@code get_privacy_spent} and by current TF Privacy.
 *   <li>{@link Conversion#MIRONOV_2017}: Mironov, "Rényi Differential Privacy" (CSF 2017),
 *       Proposition 3: {@code eps = rdp + log(1/delta) / (alpha - 1)}; used by TF Privacy before
 *       2020 and thus by numbers published with it.
 * </ul>
 *
 * <p>Instances accumulate RDP over heterogeneous steps ({@link #compose}); static methods cover the
 * common single-setting case.
 */
public final class RdpAccountant {

  /** The (epsilon, delta) conversion. */
  public enum Conversion {
    /** Mironov 2017, Proposition 3. */
    MIRONOV_2017,
    /** Balle et al. 2020, Theorem 21 (Opacus / current TF Privacy). */
    BALLE_2020
  }

  /** Orders {@code 1.1, 1.2, ..., 10.9} and {@code 12, ..., 63} (Opacus and TF Privacy default). */
  public static final double[] DEFAULT_ORDERS = defaultOrders();

  private final double[] orders;
  private final double[] rdp;

  /** An empty accountant over {@link #DEFAULT_ORDERS}. */
  public RdpAccountant() {
    this(DEFAULT_ORDERS);
  }

  /** An empty accountant over the given orders (each > 1). */
  public RdpAccountant(double[] orders) {
    if (orders.length == 0) {
      throw new IllegalArgumentException("orders must be non-empty");
    }
    for (double a : orders) {
      if (!(a > 1)) {
        throw new IllegalArgumentException("orders must be > 1, got " + a);
      }
    }
    this.orders = orders.clone();
    this.rdp = new double[orders.length];
  }

  /** Adds {@code steps} applications of the SGM with sampling rate q and noise multiplier sigma. */
  public RdpAccountant compose(double q, double sigma, long steps) {
    double[] add = rdp(q, sigma, steps, orders);
    for (int i = 0; i < rdp.length; i++) {
      rdp[i] += add[i];
    }
    return this;
  }

  /** The accumulated RDP at each order. */
  public double[] rdp() {
    return rdp.clone();
  }

  /** The orders. */
  public double[] orders() {
    return orders.clone();
  }

  /** The best (epsilon, delta) of the accumulated RDP under the given conversion. */
  public PrivacySpent privacySpent(double delta, Conversion conversion) {
    return privacySpent(orders, rdp, delta, conversion);
  }

  /** The best epsilon at {@code delta} with {@link Conversion#BALLE_2020}. */
  public double epsilon(double delta) {
    return privacySpent(delta, Conversion.BALLE_2020).epsilon();
  }

  /**
   * Epsilon of {@code steps} SGM steps (Poisson rate q, noise multiplier sigma) at {@code delta},
   * over {@link #DEFAULT_ORDERS} with {@link Conversion#BALLE_2020}.
   */
  public static double epsilon(double q, double sigma, long steps, double delta) {
    return new RdpAccountant().compose(q, sigma, steps).epsilon(delta);
  }

  /** RDP of {@code steps} SGM steps at each order. */
  public static double[] rdp(double q, double sigma, long steps, double[] orders) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
    double[] out = new double[orders.length];
    for (int i = 0; i < orders.length; i++) {
      out[i] = steps == 0 ? 0 : rdpSampledGaussian(q, sigma, orders[i]) * steps;
    }
    return out;
  }

  /**
   * RDP of one step of the Poisson-subsampled Gaussian mechanism at order {@code alpha > 1}: {@code
   * log(A_alpha) / (alpha - 1)}.
   *
   * @param q sampling probability in [0, 1]
   * @param sigma noise multiplier (noise std / L2 sensitivity), >= 0
   */
  public static double rdpSampledGaussian(double q, double sigma, double alpha) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("q must be in [0, 1], got " + q);
    }
    if (!(sigma >= 0)) {
      throw new IllegalArgumentException("sigma must be >= 0, got " + sigma);
    }
    if (!(alpha > 1)) {
      throw new IllegalArgumentException("alpha must be > 1, got " + alpha);
    }
    if (q == 0) {
      return 0;
    }
    if (sigma == 0 || Double.isInfinite(alpha)) {
      return Double.POSITIVE_INFINITY;
    }
    if (q == 1) {
      return alpha / (2 * sigma * sigma);
    }
    double logA =
        alpha == Math.rint(alpha) && alpha < Integer.MAX_VALUE
            ? logAInteger(q, sigma, (int) alpha)
            : logAFractional(q, sigma, alpha);
    return logA / (alpha - 1);
  }

  /**
   * {@code log A_alpha = log sum_i C(alpha,i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 sigma^2))}.
   */
  static double logAInteger(double q, double sigma, int alpha) {
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double twoSigma2 = 2 * sigma * sigma;
    double logA = Double.NEGATIVE_INFINITY;
    double logBinom = 0; // log C(alpha, 0)
    for (int i = 0; i <= alpha; i++) {
      if (i > 0) {
        logBinom += Math.log(alpha - i + 1) - Math.log(i);
      }
      double term = logBinom + i * logQ + (alpha - i) * log1mQ + ((double) i * i - i) / twoSigma2;
      logA = LogMath.logAdd(logA, term);
    }
    return logA;
  }

  /** {@code log A_alpha} for fractional alpha (Mironov-Talwar-Zhang 2019, Section 3.4). */
  static double logAFractional(double q, double sigma, double alpha) {
    double logA0 = Double.NEGATIVE_INFINITY;
    double logA1 = Double.NEGATIVE_INFINITY;
    double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double twoSigma2 = 2 * sigma * sigma;
    double sqrt2Sigma = Math.sqrt(2) * sigma;
    double logAbsCoef = 0; // log |C(alpha, i)|, C(alpha, 0) = 1
    int sign = 1;
    for (int i = 0; ; i++) {
      if (i > 0) {
        double factor = (alpha - i + 1) / i;
        logAbsCoef += Math.log(Math.abs(factor));
        if (factor < 0) {
          sign = -sign;
        }
      }
      double j = alpha - i;
      double logT0 = logAbsCoef + i * logQ + j * log1mQ;
      double logT1 = logAbsCoef + j * logQ + i * log1mQ;
      double logE0 = Math.log(0.5) + LogMath.logErfc((i - z0) / sqrt2Sigma);
      double logE1 = Math.log(0.5) + LogMath.logErfc((z0 - j) / sqrt2Sigma);
      double logS0 = logT0 + ((double) i * i - i) / twoSigma2 + logE0;
      double logS1 = logT1 + (j * j - j) / twoSigma2 + logE1;
      if (sign > 0) {
        logA0 = LogMath.logAdd(logA0, logS0);
        logA1 = LogMath.logAdd(logA1, logS1);
      } else {
        logA0 = LogMath.logSub(logA0, logS0);
        logA1 = LogMath.logSub(logA1, logS1);
      }
      if (Math.max(logS0, logS1) < -30) {
        break;
      }
      if (i > 100_000) {
        throw new ArithmeticException(
            "fractional RDP series did not converge for q="
                + q
                + " sigma="
                + sigma
                + " alpha="
                + alpha);
      }
    }
    return LogMath.logAdd(logA0, logA1);
  }

  /** The smallest epsilon over the orders, with the order achieving it. */
  public static PrivacySpent privacySpent(
      double[] orders, double[] rdp, double delta, Conversion conversion) {
    if (orders.length != rdp.length) {
      throw new IllegalArgumentException(
          "orders (" + orders.length + ") and rdp (" + rdp.length + ") differ in length");
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    double best = Double.POSITIVE_INFINITY;
    double bestOrder = Double.NaN;
    for (int i = 0; i < orders.length; i++) {
      double a = orders[i];
      double r = rdp[i];
      if (!(r >= 0)) {
        throw new IllegalArgumentException("rdp must be >= 0, got " + r + " at order " + a);
      }
      double eps =
          switch (conversion) {
            case MIRONOV_2017 -> r - Math.log(delta) / (a - 1);
            case BALLE_2020 -> r + Math.log1p(-1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
          };
      if (eps < best) {
        best = eps;
        bestOrder = a;
      }
    }
    return new PrivacySpent(Math.max(0, best), delta, bestOrder);
  }

  private static double[] defaultOrders() {
    double[] o = new double[99 + 52];
    for (int x = 1; x < 100; x++) {
      o[x - 1] = 1 + x / 10.0;
    }
    for (int a = 12; a < 64; a++) {
      o[99 + a - 12] = a;
    }
    return o;
  }

  @Override
  public String toString() {
    return "RdpAccountant[orders=" + orders.length + ", rdp=" + Arrays.toString(rdp) + "]";
  }
}
