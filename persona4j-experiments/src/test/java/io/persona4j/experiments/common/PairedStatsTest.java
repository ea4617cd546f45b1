/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** PairedStats against hand computations. */
class PairedStatsTest {

  static boolean[] bits(String s) {
    boolean[] b = new boolean[s.length()];
    for (int i = 0; i < b.length; i++) {
      b[i] = s.charAt(i) == '1';
    }
    return b;
  }

  @Test
  void mcNemarCountsDiscordantPairsAndMatchesTheBinomialByHand() {
    // a hits alone on unit 0; b alone on units 2-5; units 1, 6 agree
    PairedStats.McNemar t = PairedStats.mcNemar(bits("1100001"), bits("0111111"));
    assertThat(t.onlyA()).isEqualTo(1);
    assertThat(t.onlyB()).isEqualTo(4);
    // n = 5 discordant, P(X <= 1) = (1 + 5) / 32, two-sided 12/32
    assertThat(t.exactP()).isCloseTo(0.375, within(1e-12));
    // (|1 - 4| - 1)^2 / 5
    assertThat(t.chiSquare()).isCloseTo(0.8, within(1e-12));

    PairedStats.McNemar all = PairedStats.mcNemar(bits("000000"), bits("111111"));
    assertThat(all.exactP()).isCloseTo(2.0 / 64, within(1e-12));
    assertThat(all.chiSquare()).isCloseTo(25.0 / 6, within(1e-12));

    PairedStats.McNemar same = PairedStats.mcNemar(bits("1010"), bits("1010"));
    assertThat(same.exactP()).isEqualTo(1.0);
    assertThat(same.chiSquare()).isZero();
    // balanced discordance: p capped at 1
    assertThat(PairedStats.mcNemar(bits("10"), bits("01")).exactP()).isEqualTo(1.0);
  }

  @Test
  void mcNemarExactPOnALargeSampleIsFiniteAndSmall() {
    // 0 vs 200 discordant: 2 / 2^200, computed in log space without underflow to NaN
    boolean[] a = new boolean[200];
    boolean[] b = new boolean[200];
    java.util.Arrays.fill(b, true);
    double p = PairedStats.mcNemar(a, b).exactP();
    assertThat(p).isGreaterThan(0).isLessThan(1e-50);
  }

  @Test
  void bootstrapOfAConstantDifferenceIsThatDifference() {
    PairedStats.Interval i =
        PairedStats.bootstrap95(new double[] {1.5, 2.5, 3.5}, new double[] {1, 2, 3}, 1);
    assertThat(i.mean()).isEqualTo(0.5);
    assertThat(i.low()).isEqualTo(0.5);
    assertThat(i.high()).isEqualTo(0.5);
    assertThat(i.excludesZero()).isTrue();
    assertThat(i.units()).isEqualTo(3);
  }

  @Test
  void bootstrapOfTwoUnitsSpansTheirResampledMeans() {
    // differences {0, 1}: resampled means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4
    PairedStats.Interval i =
        PairedStats.bootstrap(new double[] {0, 1}, new double[] {0, 0}, 4000, 0.95, 7);
    assertThat(i.mean()).isEqualTo(0.5);
    assertThat(i.low()).isZero();
    assertThat(i.high()).isEqualTo(1.0);
    assertThat(i.excludesZero()).isFalse();
    assertThat(i.format()).isEqualTo("+0.5000 [+0.0000, +1.0000]");
  }

  @Test
  void bootstrapIntervalOfManyUnitsMatchesTheNormalApproximation() {
    // d_i alternating 0 / 1 over 400 units: mean 0.5, sd 0.5, se = 0.5 / 20 = 0.025
    double[] a = new double[400];
    for (int i = 0; i < a.length; i++) {
      a[i] = i % 2;
    }
    PairedStats.Interval i = PairedStats.bootstrap95(a, new double[400], 3);
    assertThat(i.low()).isCloseTo(0.5 - 1.96 * 0.025, within(0.006));
    assertThat(i.high()).isCloseTo(0.5 + 1.96 * 0.025, within(0.006));
  }

  @Test
  void quantileInterpolatesLikeNumpy() {
    double[] s = {1, 2, 3, 4};
    assertThat(PairedStats.quantile(s, 0.25)).isCloseTo(1.75, within(1e-12));
    assertThat(PairedStats.quantile(s, 1.0)).isEqualTo(4);
    assertThat(PairedStats.quantile(s, 0.0)).isEqualTo(1);
  }

  @Test
  void meanStdUsesTheSampleStandardDeviation() {
    double[] ms = PairedStats.meanStd(new double[] {1, 2, 3, 4});
    assertThat(ms[0]).isEqualTo(2.5);
    assertThat(ms[1]).isCloseTo(Math.sqrt(5.0 / 3), within(1e-12));
    assertThat(PairedStats.meanStd(new double[] {7})).containsExactly(7, 0);
  }

  @Test
  void adjustedRandIndexMatchesAHandComputation() {
    int[] x = {0, 0, 0, 1, 1, 1};
    int[] y = {0, 0, 1, 1, 2, 2};
    // index 2, rows 3 + 3, cols 1 + 1 + 1, expected 6 * 3 / 15, max 4.5: 0.8 / 3.3
    assertThat(PairedStats.adjustedRandIndex(x, y)).isCloseTo(0.8 / 3.3, within(1e-12));
    assertThat(PairedStats.adjustedRandIndex(x, new int[] {1, 1, 1, 0, 0, 0})).isEqualTo(1.0);
    // one cluster against two: no agreement beyond chance
    assertThat(PairedStats.adjustedRandIndex(x, new int[6])).isCloseTo(0.0, within(1e-12));
    // a crossed partition is worse than chance
    assertThat(PairedStats.adjustedRandIndex(new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}))
        .isCloseTo(-0.5, within(1e-12));
  }

  @Test
  void rejectsUnpairedInput() {
    assertThatThrownBy(() -> PairedStats.bootstrap95(new double[2], new double[3], 1))
        .hasMessageContaining("2 and 3");
    assertThatThrownBy(() -> PairedStats.mcNemar(new boolean[1], new boolean[2]))
        .hasMessageContaining("1 and 2");
    assertThatThrownBy(() -> PairedStats.bootstrap(new double[1], new double[1], 10, 1.5, 1))
        .hasMessageContaining("level");
  }
}
