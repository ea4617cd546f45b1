/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.experiments.secfpp.TextEncoder;
import io.persona4j.rec.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The smoke preset end to end on a tiny random BERT and the real MovieLens data (what CI runs). */
class PLoraSmokeTest {
  static final BertConfig CONFIG =
      new BertConfig("bert", 500, 16, 2, 4, 32, "gelu", 64, 2, 1e-12, 0, "absolute", null, null);

  @Test
  void smokePresetRunsEveryMethodAndWritesTheReport(@TempDir Path out) throws Exception {
    PLoraPreset preset = PLoraPreset.smoke();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PLoraResults results;
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert =
            BertModel.load(
                CONFIG, WeightSource.ofFloats("r", RandomWeights.bert(CONFIG, 4, 0.2f)), m)) {
      results =
          new PLoraExperiment(
                  preset,
                  bert,
                  TextEncoder.hashing(500, preset.maxTokens()),
                  m,
                  new PrintStream(log, true, StandardCharsets.UTF_8))
              .run(SharedData.data("movielens-small"), out, "a tiny random BERT");
    }
    int seeds = preset.seeds().size();
    int trainedRuns = seeds * (preset.methods10().size() + preset.methods5().size());
    // every trained run is scored on groups a and b; PLoRA and the user-id embedding also
    // few-shot at every K on the 10-class task
    int fewShot = seeds * 2 * preset.shots().size();
    assertThat(results.runs()).hasSize(2 * trainedRuns + fewShot);
    for (PLoraResults.Run r : results.runs()) {
      assertThat(r.accuracy()).isBetween(0.0, 1.0);
      assertThat(r.macroF1()).isBetween(0.0, 1.0);
      assertThat(r.rmse()).isGreaterThanOrEqualTo(0);
      assertThat(r.rows()).isPositive();
    }
    String md = Files.readString(out.resolve("results.md"));
    for (PLoraMethod method : PLoraMethod.values()) {
      assertThat(md).contains("| " + method.label() + " |");
    }
    assertThat(md)
        .contains("#### 10 classes", "#### 5 classes", "Few-shot on the 3 enrolled new users")
        .contains("new users, few-shot K=5", "trained users (a)", "wall time");
    assertThat(Files.readString(out.resolve("results.json")))
        .contains("\"comparisons\"", "\"learning_rates\"", "\"PLORA_MI\"");
    assertThat(out.resolve("fewshot.png")).exists();
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("few-shot K=5", "done in");
  }
}
