/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextMetricsTest {
  @Test
  void rougeLByHand() {
    // LCS of "the cat sat on the mat" and "the cat on a mat" = the cat on mat (4)
    double p = 4 / 6.0;
    double r = 4 / 5.0;
    assertThat(TextMetrics.rougeL("The cat sat on the mat", "the cat, on a mat"))
        .isCloseTo(2 * p * r / (p + r), within(1e-12));
    assertThat(TextMetrics.rougeL("", "x")).isZero();
    assertThat(TextMetrics.rougeL("Heat (1995)", "heat (1995)")).isEqualTo(1.0);
  }

  @Test
  void setF1AndWords() {
    assertThat(TextMetrics.setF1(List.of("Action", "Crime"), List.of("Crime", "Drama", "Thriller")))
        .isCloseTo(2 * 0.5 * (1 / 3.0) / (0.5 + 1 / 3.0), within(1e-12));
    assertThat(TextMetrics.setF1(List.of(), List.of("a"))).isZero();
    assertThat(TextMetrics.wordCount("  a  b\nc ")).isEqualTo(3);
    assertThat(TextMetrics.normalize(" Heat  (1995) ")).isEqualTo("heat (1995)");
  }

  @Test
  void pairedBootstrapCoversTheMeanDifference() {
    double[] a = {1, 1, 1, 0, 1, 1, 0, 1, 1, 1};
    double[] b = {0, 1, 0, 0, 0, 1, 0, 0, 1, 0};
    PairedBootstrap.Interval i = PairedBootstrap.interval(a, b, 2000, 0.95, 7);
    assertThat(i.mean()).isCloseTo(0.5, within(1e-12));
    assertThat(i.low()).isLessThan(0.5).isGreaterThan(0.0);
    assertThat(i.high()).isGreaterThan(0.5).isLessThanOrEqualTo(1.0);
    assertThat(i.excludesZero()).isTrue();
    PairedBootstrap.Interval same = PairedBootstrap.interval(a, a, 100, 0.95, 7);
    assertThat(same.low()).isZero();
    assertThat(same.high()).isZero();
  }

  @Test
  void naiveBayesSeparatesSentiment() {
    NaiveBayes nb =
        NaiveBayes.train(
            List.of("neg", "pos"),
            List.of("awful bad taste", "terrible and bad", "great tasty love", "love it great"),
            List.of(0, 0, 1, 1));
    assertThat(nb.predict("bad awful")).isZero();
    assertThat(nb.predict("I love this great snack")).isEqualTo(1);
    assertThat(nb.accuracy(List.of("bad", "great"), List.of(0, 1))).isEqualTo(1.0);
  }
}
