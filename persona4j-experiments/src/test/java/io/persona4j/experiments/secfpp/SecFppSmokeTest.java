/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.rec.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The smoke preset end to end on a tiny random BERT (what CI runs). */
class SecFppSmokeTest {
  static final BertConfig CONFIG =
      new BertConfig("bert", 500, 16, 2, 4, 32, "gelu", 64, 2, 1e-12, 0, "absolute", null, null);

  @Test
  void smokePresetRunsEveryMethodAndWritesResults(@TempDir Path out) throws Exception {
    SecFppPreset preset = SecFppPreset.smoke();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<RunResult> results;
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert =
            BertModel.load(
                CONFIG, WeightSource.ofFloats("r", RandomWeights.bert(CONFIG, 4, 0.2f)), m)) {
      results =
          new SecFppExperiment(
                  preset,
                  bert,
                  TextEncoder.hashing(500, preset.maxTokens()),
                  m,
                  new PrintStream(log, true, StandardCharsets.UTF_8))
              .run(SharedData.data("amazon-food-reviews"), SharedData.data("movielens-small"), out);
    }
    // 3 settings (alpha 0.1, MovieLens, two domains) x (the majority baseline + 4 methods: local,
    // FedAvg, DP eps=4, SecFPP) + SecFPP clustering on data embeddings on the two-domain setting
    assertThat(results).hasSize(16);
    assertThat(results)
        .extracting(RunResult::method)
        .containsOnly("MAJORITY", "LOCAL", "FEDAVG", "DP eps=4", "SECFPP", "SECFPP_DATA");
    for (RunResult r : results) {
      if (r.method().equals(MajorityBaseline.NAME)) {
        assertThat(r.clientAccuracies()).hasSize(6);
        assertThat(SecFppReport.accuracy(r, -1)).isCloseTo(r.accuracy(), within(1e-9));
        continue;
      }
      assertThat(r.accuracy()).isBetween(0.0, 1.0);
      if (r.method().startsWith("DP")) {
        assertThat(r.epsilon()).isGreaterThan(3.9).isLessThanOrEqualTo(4.0);
        assertThat(r.noiseMultiplier()).isGreaterThan(0);
      }
      if (r.method().startsWith("SECFPP")) {
        assertThat(r.clusters()).isBetween(1, 3);
        assertThat(r.assignment()).hasSize(6).allMatch(c -> c >= 0 && c < r.clusters());
        assertThat(r.withinSumOfSquares()).isNotEmpty();
      }
      assertThat(r.clientAccuracies()).hasSize(6);
      assertThat(r.hits()).hasSize(6).allMatch(h -> h.length == preset.testPerClient());
      assertThat(SecFppReport.accuracy(r, -1)).isCloseTo(r.accuracy(), within(1e-9));
      assertThat(r.promptDrift()).isPositive();
      if (r.setting().equals("domains")) {
        assertThat(r.domains()).containsExactly(0, 0, 0, 1, 1, 1);
        if (r.method().startsWith("SECFPP")) {
          assertThat(r.adjustedRand()).isBetween(-1.0, 1.0);
          assertThat(r.withinDomainCosine()).isBetween(-1.0, 1.0);
          assertThat(r.betweenDomainCosine()).isBetween(-1.0, 1.0);
        }
      } else {
        assertThat(r.domains()).isEmpty();
        assertThat(r.adjustedRand()).isNaN();
      }
    }
    String md = Files.readString(out.resolve("results.md"));
    assertThat(md)
        .contains(
            "| setting | MAJORITY | LOCAL | FEDAVG | DP eps=4 | SECFPP |",
            "amazon-alpha0.1",
            "movielens-users",
            "#### domains",
            "| method | all acc. | reviews acc. | movielens acc. | prompt drift |",
            "| comparison |",
            "| SECFPP - FEDAVG | ",
            "| SECFPP_DATA - SECFPP | ",
            "| LOCAL - MAJORITY | ",
            "| SECFPP - MAJORITY | ");
    assertThat(out.resolve("secfpp-domains.png")).isNotEmptyFile();
    assertThat(Files.readString(out.resolve("results.json"))).contains("\"runs\"", "\"SECFPP\"");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("SECFPP");
  }

  @Test
  void hashingEncoderIsDeterministicAndBounded() {
    TextEncoder e = TextEncoder.hashing(50, 6);
    long[] a = e.encode("Great coffee, great price! really");
    assertThat(a).containsExactly(e.encode("great COFFEE great price really"));
    assertThat(a).hasSize(6);
    assertThat(a[0]).isEqualTo(2);
    assertThat(a[5]).isEqualTo(3);
    assertThat(a[1]).isEqualTo(a[3]).isBetween(5L, 49L);
  }
}
