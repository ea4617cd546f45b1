/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.privacy.RandomSource;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClippingTest {

  @Test
  void clipsToTheNormAndKeepsDirection() {
    float[] x = {3f, 4f}; // norm 5
    float[] c = Clipping.clipL2(x, 1.0);
    assertThat(x).containsExactly(3f, 4f); // the copy variant leaves its input alone
    assertThat(c[0]).isCloseTo(0.6f, within(1e-6f));
    assertThat(c[1]).isCloseTo(0.8f, within(1e-6f));
    assertThat(Clipping.clipL2(x, 10.0)).containsExactly(3f, 4f);
    assertThat(Clipping.clipL2(new float[3], 1.0)).containsExactly(0f, 0f, 0f);
    assertThat(Clipping.clipL2InPlace(x, 2.5)).isEqualTo(5.0);
    assertThat(Clipping.l2Norm(x)).isCloseTo(2.5, within(1e-6));
  }

  @Test
  void clippedNormNeverExceedsTheBound() {
    SplittableRandom r = new SplittableRandom(3);
    for (int t = 0; t < 500; t++) {
      float[] x = new float[1 + r.nextInt(300)];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextDouble() * 20 - 10);
      }
      double clip = 0.01 + r.nextDouble() * 5;
      Clipping.clipL2InPlace(x, clip);
      assertThat(Clipping.l2Norm(x)).isLessThanOrEqualTo(clip);
    }
    assertThatThrownBy(() -> Clipping.clipL2(new float[1], 0)).hasMessageContaining("clip");
  }

  @Test
  void adaptiveClipGeometricUpdateByHand() {
    AdaptiveClipping a = new AdaptiveClipping(2.0, 0.5, 0.2, 0.0, RandomSource.secure());
    // All 10 fit: C <- 2 exp(-0.2 (1 - 0.5)).
    assertThat(a.update(10, 10)).isCloseTo(2 * Math.exp(-0.1), within(1e-15));
    // None fits: C <- C exp(+0.1), back to 2.
    assertThat(a.update(0, 10)).isCloseTo(2.0, within(1e-15));
    assertThat(a.withinClip(new float[] {1.2f, 1.5f})).isTrue(); // norm 1.92
    assertThat(a.withinClip(new float[] {1.3f, 1.6f})).isFalse();
    assertThatThrownBy(() -> a.update(11, 10)).hasMessageContaining("unclippedCount");
  }

  @Test
  void adaptiveClipTracksTheTargetQuantile() {
    // Norms uniform on [0, 10]: the 0.3 quantile is 3.
    SplittableRandom r = new SplittableRandom(9);
    AdaptiveClipping a =
        new AdaptiveClipping(0.1, 0.3, 0.2, 2.0, RandomSource.deterministicForTesting(4));
    double last = 0;
    double avg = 0;
    for (int round = 0; round < 600; round++) {
      int fit = 0;
      for (int i = 0; i < 200; i++) {
        float[] u = {(float) (r.nextDouble() * 10)};
        fit += a.withinClip(u) ? 1 : 0;
      }
      last = a.update(fit, 200);
      if (round >= 400) {
        avg += last / 200;
      }
    }
    assertThat(avg).isCloseTo(3.0, within(0.3));
    assertThat(last).isBetween(2.0, 4.0);
  }

  @Test
  void updateNoiseMultiplierByHand() {
    // z = 1, sigma_b = 1: (1 - 1/4)^(-1/2) = 2 / sqrt(3).
    assertThat(AdaptiveClipping.updateNoiseMultiplier(1, 1))
        .isCloseTo(2 / Math.sqrt(3), within(1e-15));
    assertThatThrownBy(() -> AdaptiveClipping.updateNoiseMultiplier(1, 0.5))
        .hasMessageContaining("countNoiseStd");
  }
}
