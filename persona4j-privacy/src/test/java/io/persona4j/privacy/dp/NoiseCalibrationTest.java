/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NoiseCalibrationTest {

  /**
   * Inverts the TensorFlow Privacy MNIST tutorial value (q = 256/60000, 60 epochs of 234 steps,
   * delta 1e-5, Mironov's conversion): epsilon 2.92 was published for noise multiplier 1.12.
   */
  @Test
  void invertsThePublishedMnistValue() {
    double sigma =
        NoiseCalibration.noiseMultiplier(
            2.92, 256 / 60000.0, 60L * 234, 1e-5, RdpAccountant.Conversion.MIRONOV_2017);
    assertThat(sigma).isCloseTo(1.12, within(0.02 * 1.12));
  }

  @Test
  void calibratedSigmaMeetsTheBudgetTightly() {
    for (double eps : new double[] {1, 4, 8}) {
      double sigma = NoiseCalibration.noiseMultiplier(eps, 1.0, 5, 1e-5);
      double got = RdpAccountant.epsilon(1.0, sigma, 5, 1e-5);
      assertThat(got).isLessThanOrEqualTo(eps).isGreaterThan(eps * 0.995);
    }
    assertThat(NoiseCalibration.noiseMultiplier(1, 1.0, 5, 1e-5))
        .isGreaterThan(NoiseCalibration.noiseMultiplier(4, 1.0, 5, 1e-5));
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> NoiseCalibration.noiseMultiplier(0, 0.5, 5, 1e-5))
        .hasMessageContaining("targetEpsilon");
    assertThatThrownBy(() -> NoiseCalibration.noiseMultiplier(1, 1.5, 5, 1e-5))
        .hasMessageContaining("q must be in (0, 1], got 1.5");
  }
}
