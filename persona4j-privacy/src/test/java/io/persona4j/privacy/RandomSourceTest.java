/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RandomSourceTest {

  @Test
  void boundedLongsAreInRangeAndUniform() {
    RandomSource r = RandomSource.deterministicForTesting(1);
    int bound = 10; // not a power of two: rejection sampling must avoid modulo bias
    int[] counts = new int[bound];
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      long v = r.nextLong(bound);
      assertThat(v).isBetween(0L, 9L);
      counts[(int) v]++;
    }
    double chi2 = 0;
    for (int c : counts) {
      chi2 += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
    }
    assertThat(chi2).isLessThan(27.88); // chi-square, 9 dof, 0.999 quantile
    assertThat(r.nextLong(1)).isZero();
    assertThatThrownBy(() -> r.nextLong(0)).hasMessageContaining("bound");
  }

  @Test
  void deterministicIsReproducibleAndSecureIsNot() {
    RandomSource a = RandomSource.deterministicForTesting(5);
    RandomSource b = RandomSource.deterministicForTesting(5);
    for (int i = 0; i < 10; i++) {
      assertThat(a.nextLong()).isEqualTo(b.nextLong());
      assertThat(a.nextGaussian()).isEqualTo(b.nextGaussian());
    }
    assertThat(a.toString()).contains("INSECURE");
    byte[] x = new byte[32];
    byte[] y = new byte[32];
    RandomSource.secure().nextBytes(x);
    RandomSource.secure().nextBytes(y);
    assertThat(x).isNotEqualTo(y);
  }

  @Test
  void gaussianHasUnitVariance() {
    RandomSource r = RandomSource.deterministicForTesting(3);
    double s = 0;
    double s2 = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      double g = r.nextGaussian();
      s += g;
      s2 += g * g;
    }
    assertThat(s / n).isCloseTo(0, within(0.01));
    assertThat(s2 / n).isCloseTo(1, within(0.02));
  }
}
