/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

import static io.persona4j.privacy.dp.RdpAccountant.Conversion.BALLE_2020;
import static io.persona4j.privacy.dp.RdpAccountant.Conversion.MIRONOV_2017;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RdpAccountantTest {
  private static final double MNIST_Q = 256 / 60000.0;
  private static final int MNIST_STEPS_PER_EPOCH = 60000 / 256; // 234, as in the tutorial script

  private static double eps(
      double q, double sigma, long steps, double[] orders, RdpAccountant.Conversion c) {
    return RdpAccountant.privacySpent(orders, RdpAccountant.rdp(q, sigma, steps, orders), 1e-5, c)
        .epsilon();
  }

  private static void assertRelative(double actual, double published) {
    assertThat(actual).isCloseTo(published, within(0.01 * published));
  }

  /**
   * TensorFlow Privacy, tutorials/README.md ("Expected Output" and "Select Parameters" table) and
   * tutorials/mnist_dpsgd_tutorial.py (github.com/tensorflow/privacy, 2019): MNIST, N = 60000,
   * batch 256 (q = 256/60000), steps = epochs * (60000 // 256), delta = 1e-5, orders 1.1..10.9 and
   * 12..63, with the get_privacy_spent of that time (Mironov 2017, Prop. 3). Published: noise 1.12
   * for 60 epochs eps = 2.92 (epoch 1: 1.00, epoch 2: 1.04); noise 0.6 for 30 epochs eps = 9.74;
   * noise 1.2 for 10 epochs eps = 1.20.
   */
  @Test
  void tensorflowPrivacyMnistTutorial() {
    double[] o = RdpAccountant.DEFAULT_ORDERS;
    assertRelative(eps(MNIST_Q, 1.12, 60L * MNIST_STEPS_PER_EPOCH, o, MIRONOV_2017), 2.92);
    assertRelative(eps(MNIST_Q, 1.12, 1L * MNIST_STEPS_PER_EPOCH, o, MIRONOV_2017), 1.00);
    assertRelative(eps(MNIST_Q, 1.12, 2L * MNIST_STEPS_PER_EPOCH, o, MIRONOV_2017), 1.04);
    assertRelative(eps(MNIST_Q, 0.6, 30L * MNIST_STEPS_PER_EPOCH, o, MIRONOV_2017), 9.74);
    assertRelative(eps(MNIST_Q, 1.2, 10L * MNIST_STEPS_PER_EPOCH, o, MIRONOV_2017), 1.20);
  }

  /**
   * Opacus documentation of opacus.scripts.compute_dp_sgd_privacy (opacus.ai/api/
   * compute_dp_sgd_privacy.html): sample rate 0.01, noise multiplier 1.0, 3 epochs (300 steps),
   * delta 1e-5, alphas {2, 5, 10, 20, 100} gives epsilon = 2.39 with optimal alpha 5 (Opacus uses
   * the Balle et al. 2020 conversion).
   */
  @Test
  void opacusComputeDpSgdPrivacyExample() {
    double[] alphas = {2, 5, 10, 20, 100};
    PrivacySpent spent =
        RdpAccountant.privacySpent(
            alphas, RdpAccountant.rdp(0.01, 1.0, 300, alphas), 1e-5, BALLE_2020);
    assertRelative(spent.epsilon(), 2.39);
    assertThat(spent.order()).isEqualTo(5.0);
    // The same RDP under the older conversion is strictly looser.
    assertThat(eps(0.01, 1.0, 300, alphas, MIRONOV_2017)).isGreaterThan(spent.epsilon() + 0.5);
  }

  /**
   * Bu, Dong, Long, Su, "Deep Learning with Gaussian Differential Privacy", Harvard Data Science
   * Review 2020, Figure 4: p = 256/60000, delta = 1e-5, moments accountant: sigma = 1.3 gives
   * (1.34, 1e-5) at epoch 20; sigma = 0.7 gives (8.68, 1e-5) at epoch 70.
   */
  @Test
  void buDongLongSuFigure4() {
    double[] o = RdpAccountant.DEFAULT_ORDERS;
    assertRelative(eps(MNIST_Q, 1.3, 20L * MNIST_STEPS_PER_EPOCH, o, MIRONOV_2017), 1.34);
    assertRelative(eps(MNIST_Q, 0.7, 70L * MNIST_STEPS_PER_EPOCH, o, MIRONOV_2017), 8.68);
  }

  /**
   * Abadi et al., "Deep Learning with Differential Privacy", CCS 2016, Section 3.1: q = 0.01, sigma
   * = 4, delta = 1e-5, T = 10000 gives epsilon about 1.26 with the moments accountant (integer
   * moments, log(1/delta) tail bound = Mironov's conversion).
   */
  @Test
  void abadiEtAlMomentsAccountantExample() {
    double[] integerOrders = new double[32];
    for (int i = 0; i < integerOrders.length; i++) {
      integerOrders[i] = i + 2; // moments lambda = 1..32 are orders 2..33
    }
    assertRelative(eps(0.01, 4.0, 10_000, integerOrders, MIRONOV_2017), 1.26);
  }

  @Test
  void fullBatchIsThePlainGaussianMechanism() {
    for (double a : new double[] {1.5, 2, 7.3, 32}) {
      assertThat(RdpAccountant.rdpSampledGaussian(1.0, 2.0, a)).isEqualTo(a / 8);
    }
    assertThat(RdpAccountant.rdpSampledGaussian(0.0, 2.0, 3)).isZero();
    assertThat(RdpAccountant.rdpSampledGaussian(0.5, 0.0, 3)).isInfinite();
  }

  /**
   * Independent check of both the integer (binomial) and fractional (erfc series) paths: A_alpha =
   * E_{z ~ N(0, s^2)} [(1 - q + q exp((2z - 1) / (2 s^2)))^alpha] by Simpson integration.
   */
  @Test
  void matchesDirectNumericalIntegration() {
    double q = 0.1;
    double s = 1.5;
    for (double alpha : new double[] {1.5, 2, 3, 3.5, 6.25, 7}) {
      int n = 400_000;
      double lo = -40 * s;
      double hi = 40 * s + alpha;
      double h = (hi - lo) / n;
      double sum = 0;
      for (int k = 0; k <= n; k++) {
        double z = lo + k * h;
        double density = Math.exp(-z * z / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI));
        double ratio = 1 - q + q * Math.exp((2 * z - 1) / (2 * s * s));
        double f = density * Math.pow(ratio, alpha);
        sum += f * (k == 0 || k == n ? 1 : (k % 2 == 1 ? 4 : 2));
      }
      double expected = Math.log(sum * h / 3) / (alpha - 1);
      assertThat(RdpAccountant.rdpSampledGaussian(q, s, alpha))
          .as("alpha=%s", alpha)
          .isCloseTo(expected, within(1e-9 + 1e-7 * expected));
    }
  }

  @Test
  void fractionalPathIsContinuousAtIntegers() {
    for (int a : new int[] {2, 5, 20}) {
      double atInt = RdpAccountant.rdpSampledGaussian(0.01, 1.1, a);
      double below = RdpAccountant.rdpSampledGaussian(0.01, 1.1, a - 1e-7);
      double above = RdpAccountant.rdpSampledGaussian(0.01, 1.1, a + 1e-7);
      assertThat(below).isCloseTo(atInt, within(1e-6 * atInt + 1e-12));
      assertThat(above).isCloseTo(atInt, within(1e-6 * atInt + 1e-12));
      assertThat(below).isLessThanOrEqualTo(above);
    }
  }

  @Test
  void compositionIsAdditiveAndEpsilonGrowsWithSteps() {
    RdpAccountant a = new RdpAccountant().compose(0.02, 1.0, 100).compose(0.02, 1.0, 300);
    double[] once = RdpAccountant.rdp(0.02, 1.0, 400, RdpAccountant.DEFAULT_ORDERS);
    double[] r = a.rdp();
    for (int i = 0; i < r.length; i++) {
      assertThat(r[i]).isCloseTo(once[i], within(1e-12 * once[i] + 1e-15));
    }
    assertThat(a.epsilon(1e-5)).isEqualTo(RdpAccountant.epsilon(0.02, 1.0, 400, 1e-5));
    assertThat(RdpAccountant.epsilon(0.02, 1.0, 800, 1e-5))
        .isGreaterThan(RdpAccountant.epsilon(0.02, 1.0, 400, 1e-5));
    assertThat(RdpAccountant.epsilon(0.02, 2.0, 400, 1e-5))
        .isLessThan(RdpAccountant.epsilon(0.02, 1.0, 400, 1e-5));
  }

  @Test
  void logErfcMatchesReferenceValues() {
    // erfc reference values (Abramowitz & Stegun, Table 7.1 / high-precision tables).
    assertThat(Math.exp(LogMath.logErfc(0))).isCloseTo(1.0, within(1e-15));
    assertThat(Math.exp(LogMath.logErfc(0.5))).isCloseTo(0.4795001221869535, within(1e-14));
    assertThat(Math.exp(LogMath.logErfc(1))).isCloseTo(0.15729920705028513, within(1e-14));
    assertThat(Math.exp(LogMath.logErfc(-1))).isCloseTo(1.8427007929497148, within(1e-14));
    assertThat(Math.exp(LogMath.logErfc(3)) / 2.209049699858544e-05).isCloseTo(1, within(1e-12));
    assertThat(Math.exp(LogMath.logErfc(5)) / 1.5374597944280349e-12).isCloseTo(1, within(1e-12));
    // Far tail: log erfc(x) ~ -x^2 - log(x sqrt(pi)) - 1/(2x^2).
    double x = 100;
    assertThat(LogMath.logErfc(x))
        .isCloseTo(-x * x - Math.log(x * Math.sqrt(Math.PI)) - 1 / (2 * x * x), within(1e-8));
  }

  @Test
  void rejectsInvalidArguments() {
    assertThatThrownBy(() -> RdpAccountant.rdpSampledGaussian(1.5, 1, 2)).hasMessageContaining("q");
    assertThatThrownBy(() -> RdpAccountant.rdpSampledGaussian(0.1, 1, 1))
        .hasMessageContaining("alpha");
    assertThatThrownBy(() -> new RdpAccountant(new double[] {0.5})).hasMessageContaining("orders");
    assertThatThrownBy(() -> new RdpAccountant().epsilon(0)).hasMessageContaining("delta");
  }
}
