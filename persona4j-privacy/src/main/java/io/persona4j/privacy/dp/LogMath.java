/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

/** Log-space arithmetic and {@code log erfc} for the RDP accountant (package-private). */
final class LogMath {
  private static final double LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

  private LogMath() {}

  /** {@code log(exp(a) + exp(b))}. */
  static double logAdd(double a, double b) {
    double hi = Math.max(a, b);
    double lo = Math.min(a, b);
    if (hi == Double.NEGATIVE_INFINITY) {
      return hi;
    }
    return hi + Math.log1p(Math.exp(lo - hi));
  }

  /** {@code log(exp(a) - exp(b))} for {@code a >= b}. */
  static double logSub(double a, double b) {
    if (a < b) {
      throw new ArithmeticException("logSub of a negative result: " + a + " < " + b);
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    if (a == b) {
      return Double.NEGATIVE_INFINITY;
    }
    return b + Math.log(Math.expm1(a - b));
  }

  /** {@code erfc(x)} for {@code x >= 0}, relative error about 1e-13. */
  private static double erfcNonNegativeSmall(double x) {
    // erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): positive terms only.
    double term = x;
    double sum = x;
    double x2 = x * x;
    for (int n = 1; n < 500; n++) {
      term *= 2 * x2 / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }

  /** {@code log erfc(x)} for all real x, accurate far into the tail. */
  static double logErfc(double x) {
    if (Double.isNaN(x)) {
      return Double.NaN;
    }
    if (x < 0) {
      double c = -x < 2.5 ? erfcNonNegativeSmall(-x) : Math.exp(logErfcTail(-x));
      return Math.log(2 - c);
    }
    if (x < 2.5) {
      return Math.log(erfcNonNegativeSmall(x));
    }
    return logErfcTail(x);
  }

  private static double logErfcTail(double x) {
    if (Double.isInfinite(x)) {
      return Double.NEGATIVE_INFINITY;
    }
    // Continued fraction erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
    // evaluated backwards; 80 levels converge to double precision for x >= 2.5.
    double t = x;
    for (int k = 80; k >= 1; k--) {
      t = x + (k / 2.0) / t;
    }
    return -x * x - LOG_SQRT_PI - Math.log(t);
  }
}
