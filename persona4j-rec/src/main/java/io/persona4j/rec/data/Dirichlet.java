/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Gamma and Dirichlet sampling.
 *
 * <p>Gamma(shape, 1) uses Marsaglia and Tsang's method ("A simple method for generating gamma
 * variables", ACM TOMS 2000) for {@code shape >= 1}, and for {@code shape < 1} the boost {@code
 * Gamma(a) = Gamma(a + 1) * U^(1/a)}. Dirichlet samples normalize independent Gamma draws; they are
 * computed from log-Gamma draws so that very small concentrations (where {@code U^(1/a)} underflows
 * to 0) still give a proper distribution.
 */
public final class Dirichlet {
  private Dirichlet() {}

  /** A Gamma(shape, scale 1) draw; {@code shape > 0}. */
  public static double gamma(RandomGenerator rng, double shape) {
    checkShape(shape);
    if (shape >= 1) {
      return marsagliaTsang(rng, shape);
    }
    double g = marsagliaTsang(rng, shape + 1);
    return g * Math.pow(1.0 - rng.nextDouble(), 1.0 / shape);
  }

  /**
   * The logarithm of a Gamma(shape, scale 1) draw (the same draw as {@link #gamma} for the same
   * generator state), finite even where the draw itself underflows to 0.
   */
  public static double logGamma(RandomGenerator rng, double shape) {
    checkShape(shape);
    if (shape >= 1) {
      return Math.log(marsagliaTsang(rng, shape));
    }
    double g = marsagliaTsang(rng, shape + 1);
    return Math.log(g) + Math.log(1.0 - rng.nextDouble()) / shape;
  }

  private static void checkShape(double shape) {
    if (!(shape > 0) || Double.isInfinite(shape)) {
      throw new IllegalArgumentException("shape must be > 0 and finite, got " + shape);
    }
  }

  /** Marsaglia–Tsang for {@code shape >= 1}: squeeze test, then the exact log test. */
  private static double marsagliaTsang(RandomGenerator rng, double shape) {
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / Math.sqrt(9.0 * d);
    while (true) {
      double x = rng.nextGaussian();
      double v = 1.0 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = 1.0 - rng.nextDouble(); // (0, 1]
      double x2 = x * x;
      if (u < 1.0 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1.0 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  /** A draw from Dirichlet({@code alpha}); every entry {@code > 0}. The result sums to 1. */
  public static double[] sample(RandomGenerator rng, double[] alpha) {
    if (alpha.length == 0) {
      throw new IllegalArgumentException("alpha must not be empty");
    }
    double[] logs = new double[alpha.length];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < alpha.length; i++) {
      logs[i] = logGamma(rng, alpha[i]);
      max = Math.max(max, logs[i]);
    }
    double sum = 0;
    for (int i = 0; i < logs.length; i++) {
      logs[i] = Math.exp(logs[i] - max);
      sum += logs[i];
    }
    for (int i = 0; i < logs.length; i++) {
      logs[i] /= sum;
    }
    return logs;
  }

  /** A draw from the symmetric Dirichlet with {@code k} entries of concentration {@code alpha}. */
  public static double[] symmetric(RandomGenerator rng, double alpha, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    double[] a = new double[k];
    Arrays.fill(a, alpha);
    return sample(rng, a);
  }
}
