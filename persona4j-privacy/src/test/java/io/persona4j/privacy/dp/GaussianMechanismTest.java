/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.privacy.RandomSource;
import org.junit.jupiter.api.Test;

class GaussianMechanismTest {

  private static double[] meanAndStd(float[] x) {
    double m = 0;
    for (float v : x) {
      m += v;
    }
    m /= x.length;
    double s = 0;
    for (float v : x) {
      s += (v - m) * (v - m);
    }
    return new double[] {m, Math.sqrt(s / (x.length - 1))};
  }

  @Test
  void centralNoiseHasStdMultiplierTimesClip() {
    GaussianMechanism g =
        GaussianMechanism.central(0.5, 1.2, RandomSource.deterministicForTesting(1));
    assertThat(g.sigma()).isCloseTo(0.6, within(1e-15));
    float[] noise = g.addNoise(new float[50_000]);
    double[] ms = meanAndStd(noise);
    // std error of the sample std is about 0.6 / sqrt(2 * 50000) = 0.0019.
    assertThat(ms[1]).isCloseTo(0.6, within(0.01));
    assertThat(ms[0]).isCloseTo(0.0, within(0.01));
  }

  @Test
  void splitNoiseSumsToTheCentralStd() {
    int clients = 16;
    GaussianMechanism g =
        GaussianMechanism.distributed(1.0, 2.0, clients, RandomSource.deterministicForTesting(2));
    assertThat(g.stdPerCall()).isCloseTo(0.5, within(1e-15));
    assertThat(g.totalStd(clients)).isCloseTo(2.0, within(1e-12));
    assertThat(g.totalStd(4)).isCloseTo(1.0, within(1e-12));
    int dim = 20_000;
    float[] sum = new float[dim];
    float[] one = null;
    for (int c = 0; c < clients; c++) {
      float[] share = g.addNoise(new float[dim]);
      if (c == 0) {
        one = share;
      }
      for (int i = 0; i < dim; i++) {
        sum[i] += share[i];
      }
    }
    assertThat(meanAndStd(one)[1]).isCloseTo(0.5, within(0.02));
    assertThat(meanAndStd(sum)[1]).isCloseTo(2.0, within(0.06));
  }

  @Test
  void defaultIsSecureAndTestSourceIsReproducible() {
    float[] a = GaussianMechanism.central(1, 1).addNoise(new float[8]);
    float[] b = GaussianMechanism.central(1, 1).addNoise(new float[8]);
    assertThat(a).isNotEqualTo(b);
    float[] c =
        GaussianMechanism.central(1, 1, RandomSource.deterministicForTesting(7))
            .addNoise(new float[8]);
    float[] d =
        GaussianMechanism.central(1, 1, RandomSource.deterministicForTesting(7))
            .addNoise(new float[8]);
    assertThat(c).containsExactly(d);
  }

  @Test
  void clipAndNoiseWithZeroMultiplierOnlyClips() {
    GaussianMechanism g = GaussianMechanism.central(1.0, 0.0);
    assertThat(g.clipAndNoise(new float[] {0f, 3f})).containsExactly(0f, 1f);
  }
}
