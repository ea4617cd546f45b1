/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdaptiveGateTest {
  @Test
  void switchesOffExactlyAtTheThirdConsecutiveConfidentToken() {
    AdaptiveGate g = new AdaptiveGate(0.1, 3);
    double[] u = {0.5, 0.05, 0.05, 0.3, 0.01, 0.02, 0.03, 0.9, 0.9};
    boolean[] want = {true, true, true, true, true, true, false, false, false};
    for (int i = 0; i < u.length; i++) {
      assertThat(g.observe(u[i])).as("token %d", i).isEqualTo(want[i]);
    }
    assertThat(g.isOff()).isTrue();
    assertThat(g.switchedOffAt()).isEqualTo(6);
  }

  @Test
  void thresholdIsStrictAndPatienceOneSwitchesAtTheFirstConfidentToken() {
    AdaptiveGate g = new AdaptiveGate(0.1, 3);
    for (int i = 0; i < 10; i++) {
      assertThat(g.observe(0.1)).isTrue(); // not below: never counts
    }
    AdaptiveGate one = new AdaptiveGate(0.2, 1);
    assertThat(one.observe(0.5)).isTrue();
    assertThat(one.observe(0.1)).isFalse();
    assertThat(one.switchedOffAt()).isEqualTo(1);
  }

  @Test
  void uncertaintyIsOneMinusTheLargestProbability() {
    float[] lp = {(float) Math.log(0.7), (float) Math.log(0.2), (float) Math.log(0.1)};
    assertThat(AdaptiveGate.uncertainty(lp))
        .isCloseTo(0.3, org.assertj.core.api.Assertions.within(1e-6));
  }

  @Test
  void validates() {
    assertThatThrownBy(() -> new AdaptiveGate(0, 3)).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> new AdaptiveGate(0.1, 0)).hasMessageContaining("patience");
    assertThatThrownBy(() -> new AdaptiveGate(0.1, 3).observe(Double.NaN))
        .hasMessageContaining("NaN");
  }
}
