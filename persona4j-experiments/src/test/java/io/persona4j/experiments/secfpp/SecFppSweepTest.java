/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.experiments.secfpp.SecFppSweep.Choice;
import io.persona4j.experiments.secfpp.SecFppSweep.Point;
import io.persona4j.rec.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecFppSweepTest {
  private static Point p(String m, double lr, int steps, int round, double acc) {
    return new Point(m, lr, steps, round, steps * round, acc, 100, 1.0);
  }

  @Test
  void choosesTheBestMeanOfLocalAndFedAvgAtEqualStepsPerClient() {
    List<Point> points =
        List.of(
            p("LOCAL", 0.05, 4, 1, 0.60),
            p("LOCAL", 0.05, 4, 2, 0.70),
            p("FEDAVG", 0.05, 4, 1, 0.80),
            p("FEDAVG", 0.05, 4, 2, 0.62), // mean (0.70 + 0.62) / 2 = 0.66
            p("FEDAVG", 0.05, 8, 1, 0.64), // pairs with LOCAL at 8 steps: 0.67
            p("LOCAL", 0.01, 4, 1, 0.66),
            p("FEDAVG", 0.01, 4, 1, 0.74), // 0.70: the best
            p("LOCAL", 0.01, 4, 2, 0.72),
            p("FEDAVG", 0.01, 4, 2, 0.68), // 0.70 too, but more steps
            p("FEDAVG", 0.02, 8, 1, 0.90)); // no LOCAL point of lr 0.02: unpaired
    Choice c = SecFppSweep.choose(points).orElseThrow();
    assertThat(c.learningRate()).isEqualTo(0.01);
    assertThat(c.localSteps()).isEqualTo(4);
    assertThat(c.rounds()).isEqualTo(1);
    assertThat(c.score()).isCloseTo(0.70, within(1e-12));
    assertThat(SecFppSweep.choose(List.of(p("LOCAL", 0.1, 4, 1, 0.5)))).isEmpty();
    assertThat(SecFppSweep.markdown(points))
        .contains("| FEDAVG | 0.01 | 4 | 1 | 4 | 0.7400 | 1.000 |", "lr 0.01, 4 local steps x 1");
  }

  @Test
  void smokeSweepEvaluatesEveryRoundOnTheValidationSplitOnly(@TempDir Path out) throws Exception {
    SecFppPreset preset = SecFppPreset.smoke();
    List<Point> points;
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert =
            BertModel.load(
                SecFppSmokeTest.CONFIG,
                WeightSource.ofFloats("r", RandomWeights.bert(SecFppSmokeTest.CONFIG, 4, 0.2f)),
                m)) {
      SecFppSweep sweep =
          new SecFppSweep(
              preset,
              bert,
              TextEncoder.hashing(500, preset.maxTokens()),
              m,
              new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      points =
          sweep.run(
              SharedData.data("amazon-food-reviews"),
              SharedData.data("movielens-small"),
              List.of(0.05, 0.01),
              List.of(2, 4),
              4,
              out);
    }
    // per lr: LOCAL in rounds of 2 steps (2 points), FEDAVG x 2 steps (2), FEDAVG x 4 steps (1)
    assertThat(points).hasSize(10);
    assertThat(points)
        .allSatisfy(
            pt -> {
              // 6 clients x 4 validation examples; the smoke test split has 6 per client
              assertThat(pt.validExamples()).isEqualTo(6L * preset.validPerClient());
              assertThat(pt.validAccuracy()).isBetween(0.0, 1.0);
              assertThat(pt.drift()).isPositive();
              assertThat(pt.totalSteps()).isLessThanOrEqualTo(4);
            });
    // the larger learning rate moves the prompt further after the same steps
    assertThat(points.get(1).drift()).isGreaterThan(points.get(6).drift());
    assertThat(Files.readString(out.resolve("sweep.md"))).contains("Chosen on validation: lr ");
    assertThat(Files.readString(out.resolve("sweep.json"))).contains("\"choice\"", "\"points\"");
  }

  @Test
  void presetWithoutValidationSplitIsRefused() throws Exception {
    try (NDManager m = TensorRuntime.newManager()) {
      assertThatThrownBy(
              () ->
                  new SecFppSweep(
                      SecFppPreset.standard(), null, TextEncoder.hashing(50, 6), m, System.out))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("validPerClient 0");
    }
  }
}
