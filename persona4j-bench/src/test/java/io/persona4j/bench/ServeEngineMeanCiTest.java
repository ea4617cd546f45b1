/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The 95% t-interval of the serving benchmarks' paired ratios, against hand computations. */
class ServeEngineMeanCiTest {
  @Test
  void usesStudentsTForTheSampleSize() {
    // n = 2: mean 1, sd sqrt(2), half-width t(1) * sqrt(2) / sqrt(2) = 12.706.
    double[] two = ServeEngineBenchCommand.meanCi(new double[] {0, 2});
    assertThat(two[0]).isCloseTo(1.0, within(1e-12));
    assertThat(two[2] - two[0]).isCloseTo(12.706, within(1e-9));
    // n = 16 alternating 0 and 2: sd sqrt(16 / 15), half-width t(15) = 2.131 times sd / 4.
    double[] xs = new double[16];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = 2 * (i % 2);
    }
    double[] ci = ServeEngineBenchCommand.meanCi(xs);
    double h = 2.131 * Math.sqrt(16.0 / 15) / 4;
    assertThat(ci[0]).isCloseTo(1.0, within(1e-12));
    assertThat(ci[1]).isCloseTo(1 - h, within(1e-9));
    assertThat(ci[2]).isCloseTo(1 + h, within(1e-9));
  }
}
