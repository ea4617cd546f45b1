/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The heating temperature as a knob, on the training losses the six clients of the {@code tastes}
 * run reported in round 1 (five taste clients and the noisy client-05). Golden values from numpy:
 * {@code p = softmax(l / T); w = tanh(0.7 / p ** (e + 1))}.
 */
class FellRecTemperatureTest {
  private static final double[] LOSSES = {2.239, 2.836, 2.555, 2.672, 2.099, 3.898};

  private static double[] w(double temperature, int e) {
    return FellRec.heating(LOSSES, e, FellRec.Config.builder().optTemperature(temperature).build());
  }

  @Test
  void thePapersTemperatureSaturatesOnTheseLossGaps() {
    // p = [~0, ~0, ~0, ~0, ~0, 1]: the noisy client gets tanh(0.7) in every round, the others 1.
    for (int e : new int[] {0, 1, 7}) {
      double[] w = w(0.05, e);
      assertThat(w[5]).isCloseTo(0.604367777, within(1e-8));
      for (int c = 0; c < 5; c++) {
        assertThat(w[c]).isCloseTo(1.0, within(1e-12));
      }
    }
  }

  @Test
  void temperatureHalfHeatsTheNoisyClientUpOverRounds() {
    // numpy: p = [0.027086, 0.08939, 0.050958, 0.064393, 0.020471, 0.747703]
    assertThat(w(0.5, 0)[5]).isCloseTo(0.733472017, within(1e-6));
    assertThat(w(0.5, 0)[1]).isCloseTo(0.999999684, within(1e-8));
    assertThat(w(0.5, 1)[5]).isCloseTo(0.84887253, within(1e-6));
    assertThat(w(0.5, 7)[5]).isCloseTo(0.999998806, within(1e-8));
  }

  @Test
  void temperatureOneAndPointTwo() {
    assertThat(w(1.0, 0))
        .containsExactly(
            new double[] {
              0.999999876, 0.999784351, 0.999988867, 0.999957658, 0.99999999, 0.918485893
            },
            within(1e-7));
    assertThat(w(1.0, 1)[5]).isCloseTo(0.998393228, within(1e-7));
    assertThat(w(0.2, 0)[5]).isCloseTo(0.608221273, within(1e-7));
    assertThat(w(0.2, 7)[5]).isCloseTo(0.635303254, within(1e-7));
  }

  @Test
  void temperatureRoundTripsThroughTheBuilderAndIsValidated() {
    FellRec.Config c = FellRec.Config.defaults().toBuilder().optTemperature(0.5).build();
    assertThat(c.temperature()).isEqualTo(0.5);
    assertThat(c.toBuilder().build()).isEqualTo(c);
    assertThat(FellRec.Config.defaults().temperature()).isEqualTo(0.05);
    assertThatThrownBy(() -> FellRec.Config.builder().optTemperature(0).build())
        .hasMessageContaining("temperature");
  }
}
