/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Values of Hugging Face's {@code get_*_schedule_with_warmup} multipliers, computed by hand from
 * their formulas (lr = 2e-3, 10 warmup steps, 110 total steps).
 */
class WarmupScheduleTest {
  static final double LR = 2e-3;

  @Test
  void cosineWithWarmup() {
    LearningRateSchedule s = LearningRateSchedule.warmupCosine(LR, 10, 110);
    assertThat(s.at(0)).isEqualTo(0.0); // the first update uses lr 0, as in HF
    assertThat(s.at(1)).isCloseTo(LR * 0.1, within(1e-15));
    assertThat(s.at(5)).isCloseTo(LR * 0.5, within(1e-15));
    assertThat(s.at(10)).isCloseTo(LR, within(1e-15)); // progress 0: cos(0) = 1
    // progress 25/100: 0.5 * (1 + cos(pi / 4)) = 0.8535533905932737
    assertThat(s.at(35)).isCloseTo(LR * 0.8535533905932737, within(1e-15));
    assertThat(s.at(60)).isCloseTo(LR * 0.5, within(1e-15)); // cos(pi / 2) = 0
    // progress 0.9: 0.5 * (1 + cos(0.9 pi)) = 0.024471741852423234
    assertThat(s.at(100)).isCloseTo(LR * 0.024471741852423234, within(1e-15));
    assertThat(s.at(110)).isCloseTo(0.0, within(1e-18));
  }

  @Test
  void linearWithWarmup() {
    LearningRateSchedule s = LearningRateSchedule.warmupLinear(LR, 10, 110);
    assertThat(s.at(0)).isEqualTo(0.0);
    assertThat(s.at(4)).isCloseTo(LR * 0.4, within(1e-15));
    assertThat(s.at(10)).isCloseTo(LR, within(1e-15));
    assertThat(s.at(35)).isCloseTo(LR * 0.75, within(1e-15)); // (110 - 35) / 100
    assertThat(s.at(109)).isCloseTo(LR * 0.01, within(1e-15));
    assertThat(s.at(110)).isEqualTo(0.0);
    assertThat(s.at(500)).isEqualTo(0.0); // clamped at 0 after the end
  }

  @Test
  void constantWithAndWithoutWarmup() {
    LearningRateSchedule w = LearningRateSchedule.warmupConstant(LR, 4);
    assertThat(w.at(0)).isEqualTo(0.0);
    assertThat(w.at(3)).isCloseTo(LR * 0.75, within(1e-15));
    assertThat(w.at(4)).isEqualTo(LR);
    assertThat(w.at(1000)).isEqualTo(LR);
    LearningRateSchedule c = LearningRateSchedule.constant(LR);
    assertThat(c.at(0)).isEqualTo(LR);
    assertThat(c.at(77)).isEqualTo(LR);
  }

  @Test
  void zeroWarmupStartsAtThePeak() {
    assertThat(LearningRateSchedule.warmupCosine(LR, 0, 50).at(0)).isEqualTo(LR);
    assertThat(LearningRateSchedule.warmupLinear(LR, 0, 50).at(25))
        .isCloseTo(LR / 2, within(1e-15));
  }

  @Test
  void invalidSchedulesAreRejected() {
    assertThatThrownBy(() -> LearningRateSchedule.warmupCosine(LR, 20, 10))
        .hasMessageContaining("total steps (10)")
        .hasMessageContaining("warmup steps (20)");
    assertThatThrownBy(() -> LearningRateSchedule.constant(Double.NaN))
        .hasMessageContaining("learning rate");
    assertThatThrownBy(() -> LearningRateSchedule.warmupConstant(LR, -1))
        .hasMessageContaining("warmup");
    assertThatThrownBy(() -> LearningRateSchedule.constant(LR).at(-1)).hasMessageContaining("step");
  }
}
