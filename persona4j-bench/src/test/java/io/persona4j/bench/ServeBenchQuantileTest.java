/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Quantiles of the requests between two scrapes of a cumulative Prometheus histogram. */
class ServeBenchQuantileTest {
  static TreeMap<Double, Double> h(double... leAndCount) {
    TreeMap<Double, Double> m = new TreeMap<>();
    for (int i = 0; i < leAndCount.length; i += 2) {
      m.put(leAndCount[i], leAndCount[i + 1]);
    }
    return m;
  }

  @Test
  void interpolatesWithinTheBucketOfTheQuantile() {
    double inf = Double.POSITIVE_INFINITY;
    TreeMap<Double, Double> before = h(1, 5, 2, 5, 4, 5, inf, 5);
    // 10 new requests: 2 in (0, 1], 4 in (1, 2], 4 in (2, 4].
    TreeMap<Double, Double> after = h(1, 7, 2, 11, 4, 15, inf, 15);
    assertThat(ServeBenchCommand.quantile(before, after, 0.5)).isCloseTo(1.75, within(1e-9));
    assertThat(ServeBenchCommand.quantile(before, after, 0.1)).isCloseTo(0.5, within(1e-9));
    assertThat(ServeBenchCommand.quantile(before, after, 1.0)).isCloseTo(4.0, within(1e-9));
    assertThat(ServeBenchCommand.quantile(after, after, 0.5)).isNaN();
  }
}
