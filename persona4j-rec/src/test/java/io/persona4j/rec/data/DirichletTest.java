/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Gamma moments and distribution against closed forms; Dirichlet means and normalization. */
class DirichletTest {
  private static final int N = 200_000;

  @Test
  void gammaMomentsMatchShapeForSmallAndLargeShapes() {
    for (double a : new double[] {0.1, 0.3, 1.0, 2.5, 7.0, 40.0}) {
      SplittableRandom rng = new SplittableRandom(Double.doubleToLongBits(a));
      double sum = 0;
      double sum2 = 0;
      double sum3 = 0;
      for (int i = 0; i < N; i++) {
        double x = Dirichlet.gamma(rng, a);
        assertThat(x).isGreaterThanOrEqualTo(0);
        sum += x;
        sum2 += x * x;
        sum3 += x * x * x;
      }
      double mean = sum / N;
      double var = sum2 / N - mean * mean;
      double third = sum3 / N - 3 * mean * (sum2 / N) + 2 * mean * mean * mean;
      // Gamma(a, 1): mean a, variance a, third central moment 2a.
      // Standard errors: sqrt(a / N) for the mean, sqrt(a^2 (2 + 6 / a) / N) for the variance.
      double seMean = Math.sqrt(a / N);
      double seVar = Math.sqrt(a * a * (2 + 6 / a) / N);
      assertThat(mean).as("mean, shape %s", a).isCloseTo(a, within(5 * seMean));
      assertThat(var).as("variance, shape %s", a).isCloseTo(a, within(5 * seVar));
      assertThat(third / (2 * a)).as("third moment, shape %s", a).isCloseTo(1.0, within(0.15));
    }
  }

  @Test
  void gammaTwoPassesAKolmogorovSmirnovTestAgainstItsCdf() {
    // Gamma(2, 1): F(x) = 1 - e^-x (1 + x). Critical value at the 1% level: 1.63 / sqrt(n).
    int n = 20_000;
    SplittableRandom rng = new SplittableRandom(5);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = Dirichlet.gamma(rng, 2.0);
    }
    Arrays.sort(x);
    double d = 0;
    for (int i = 0; i < n; i++) {
      double f = 1 - Math.exp(-x[i]) * (1 + x[i]);
      d = Math.max(d, Math.max(Math.abs(f - (double) i / n), Math.abs((double) (i + 1) / n - f)));
    }
    assertThat(d).isLessThan(1.63 / Math.sqrt(n));
  }

  @Test
  void shapeBelowOneUsesTheBoostAndMatchesTheExponentialTail() {
    // Gamma(1) is Exp(1): P(X > 2) = e^-2 (exercises the shape >= 1 path); for shape 0.5,
    // X = Z^2 / 2 with Z standard normal, so P(X > 0.5) = P(|Z| > 1) = 0.3173105.
    SplittableRandom rng = new SplittableRandom(9);
    int above = 0;
    int aboveHalf = 0;
    for (int i = 0; i < N; i++) {
      above += Dirichlet.gamma(rng, 1.0) > 2 ? 1 : 0;
      aboveHalf += Dirichlet.gamma(rng, 0.5) > 0.5 ? 1 : 0;
    }
    assertThat(above / (double) N).isCloseTo(Math.exp(-2), within(0.003));
    assertThat(aboveHalf / (double) N).isCloseTo(0.3173105, within(0.005));
  }

  @Test
  void logGammaIsTheLogOfTheSameDraw() {
    for (double a : new double[] {0.2, 1.0, 3.0}) {
      SplittableRandom r1 = new SplittableRandom(3);
      SplittableRandom r2 = new SplittableRandom(3);
      for (int i = 0; i < 100; i++) {
        assertThat(Dirichlet.logGamma(r2, a))
            .isCloseTo(Math.log(Dirichlet.gamma(r1, a)), within(1e-9));
      }
    }
    // Tiny shapes underflow as draws but not as logs.
    assertThat(Dirichlet.logGamma(new SplittableRandom(1), 1e-4)).isFinite();
  }

  @Test
  void dirichletMeansAndNormalization() {
    double[] alpha = {0.5, 1.0, 2.5};
    double[] mean = new double[3];
    SplittableRandom rng = new SplittableRandom(17);
    int n = 50_000;
    for (int i = 0; i < n; i++) {
      double[] p = Dirichlet.sample(rng, alpha);
      assertThat(Arrays.stream(p).sum()).isCloseTo(1.0, within(1e-12));
      for (int k = 0; k < 3; k++) {
        mean[k] += p[k] / n;
      }
    }
    assertThat(mean[0]).isCloseTo(0.5 / 4, within(0.005));
    assertThat(mean[1]).isCloseTo(1.0 / 4, within(0.005));
    assertThat(mean[2]).isCloseTo(2.5 / 4, within(0.005));
    // Very small concentrations: still a distribution (almost all mass on one entry), no NaN.
    double[] sparse = Dirichlet.symmetric(new SplittableRandom(2), 1e-3, 10);
    assertThat(Arrays.stream(sparse).sum()).isCloseTo(1.0, within(1e-12));
    assertThat(Arrays.stream(sparse).max().getAsDouble()).isGreaterThan(0.99);
    assertThatThrownBy(() -> Dirichlet.gamma(new SplittableRandom(1), 0))
        .hasMessageContaining("shape must be > 0");
    assertThatThrownBy(() -> Dirichlet.symmetric(new SplittableRandom(1), 1, 0))
        .hasMessageContaining("k must be >= 1");
  }
}
