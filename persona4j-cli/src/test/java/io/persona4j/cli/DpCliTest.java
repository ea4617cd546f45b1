/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** {@code persona4j dp epsilon} against published DP-SGD accounting values. */
class DpCliTest {
  @Test
  void printsThePublishedEpsilonOfTheTfPrivacyMnistTutorial() {
    // TF Privacy's MNIST DP-SGD tutorial (tutorials/README.md, 2019): N = 60000, batch 256,
    // noise 1.12, 60 epochs, delta 1e-5 -> epsilon 2.92 with the RDP accountant and Mironov's
    // conversion, which TF Privacy used at the time.
    CliTest.Run r =
        CliTest.run(
            "dp",
            "epsilon",
            "--sampling-rate",
            String.valueOf(256.0 / 60000),
            "--noise-multiplier",
            "1.12",
            "--steps",
            String.valueOf(60 * 234),
            "--delta",
            "1e-5",
            "--conversion",
            "mironov");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Double.parseDouble(r.out().strip())).isCloseTo(2.92, within(2.92 * 0.01));
    assertThat(r.err()).contains("epsilon").contains("best RDP order");

    CliTest.Run bad =
        CliTest.run(
            "dp", "epsilon", "--sampling-rate", "1.5", "--noise-multiplier", "1", "--steps", "10");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--sampling-rate 1.5");
  }
}
