/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.io.SafetensorsFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j train} on {@code {"text","label"}} rows with a BERT encoder (LoRA + a head saved
 * as PEFT modules_to_save) and {@code persona4j classify} with the result, on a tiny random BERT.
 */
class ClassifyCliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String[] GOOD = {"good", "great", "fine", "nice"};
  static final String[] BAD = {"bad", "awful", "poor", "ugly"};
  static final String[] NOUNS = {"movie", "song", "book", "meal", "show", "game"};

  @TempDir static Path tmp;
  static Path bert;
  static Path adapter;
  static CliTest.Run trained;

  /** "a good movie" -> pos, "a bad song" -> neg; {@code offset} picks other nouns for eval. */
  static List<String> rows(int offset, int n) {
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean pos = i % 2 == 0;
      String adj = (pos ? GOOD : BAD)[(i / 2) % 4];
      String noun = NOUNS[(i / 8 + offset) % NOUNS.length];
      rows.add(
          JSON.createObjectNode()
              .put("text", "a " + adj + " " + noun)
              .put("label", pos ? "pos" : "neg")
              .toString());
    }
    return rows;
  }

  @BeforeAll
  static void train() throws IOException {
    bert = CliTest.tinyBert(tmp.resolve("bert"));
    Path data = Files.write(tmp.resolve("train.jsonl"), rows(0, 48), StandardCharsets.UTF_8);
    Path eval = Files.write(tmp.resolve("eval.jsonl"), rows(3, 16), StandardCharsets.UTF_8);
    adapter = tmp.resolve("classifier");
    trained =
        CliTest.run(
            "train",
            "--model",
            bert.toString(),
            "--data",
            data.toString(),
            "--eval-data",
            eval.toString(),
            "--out",
            adapter.toString(),
            "--epochs",
            "12",
            "--batch-size",
            "8",
            "--lr",
            "1e-2",
            "--lora-dropout",
            "0",
            "--max-len",
            "16");
  }

  @Test
  void trainsAPeftSequenceClassifierThatLearnsTheTask() throws IOException {
    assertThat(trained.code()).as(trained.err()).isZero();
    JsonNode config = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
    assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
    assertThat(config.get("modules_to_save").get(0).asText()).isEqualTo("classifier");
    List<String> targets = new ArrayList<>();
    config.get("target_modules").forEach(t -> targets.add(t.asText()));
    assertThat(targets).containsExactlyInAnyOrder("query", "value");
    try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
      assertThat(f.info("base_model.model.classifier.weight").shape()).containsExactly(2, 32);
      assertThat(f.info("base_model.model.classifier.bias").shape()).containsExactly(2);
    }
    JsonNode labels = JSON.readTree(adapter.resolve(ClassLabels.FILE).toFile());
    assertThat(labels.get("labels").toString()).isEqualTo("[\"neg\",\"pos\"]");
    assertThat(labels.get("pooling").asText()).isEqualTo("mean");

    double lastAccuracy = -1;
    for (String line : Files.readAllLines(adapter.resolve("metrics.jsonl"))) {
      JsonNode row = JSON.readTree(line);
      if ("eval".equals(row.path("type").asText())) {
        lastAccuracy = row.get("accuracy").asDouble();
      }
    }
    // Held-out nouns: the label is carried by the adjective alone. Chance is 0.5.
    assertThat(lastAccuracy).isGreaterThanOrEqualTo(0.9);
    assertThat(trained.err()).contains("classes (2): [neg, pos]").contains("eval accuracy");
  }

  @Test
  void classifyUsesTheTrainedHeadAndLabelNames() throws IOException {
    assertThat(trained.code()).as(trained.err()).isZero();
    CliTest.Run r =
        CliTest.run(
            "classify",
            "--model",
            bert.toString(),
            "--adapter",
            adapter.toString(),
            "--text",
            "a great show",
            "--text",
            "a poor game");
    assertThat(r.code()).as(r.err()).isZero();
    String[] lines = r.out().strip().split("\n");
    assertThat(lines).hasSize(2);
    JsonNode first = JSON.readTree(lines[0]);
    JsonNode second = JSON.readTree(lines[1]);
    assertThat(first.get("label").asText()).isEqualTo("pos");
    assertThat(second.get("label").asText()).isEqualTo("neg");
    double sum =
        first.get("probabilities").get("pos").asDouble()
            + first.get("probabilities").get("neg").asDouble();
    assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
  }

  @Test
  void classificationRowsOnADecoderAndMixedLabelsAreClearErrors() throws IOException {
    Path llama = TrainCliTest.initLlama(tmp.resolve("llama"), "32");
    Path data = Files.write(tmp.resolve("cls.jsonl"), rows(0, 4), StandardCharsets.UTF_8);
    CliTest.Run onDecoder =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            data.toString(),
            "--out",
            tmp.resolve("x").toString());
    assertThat(onDecoder.code()).isNotZero();
    assertThat(onDecoder.err()).contains(data.toString()).contains("needs a BERT encoder");

    Path mixed =
        Files.write(
            tmp.resolve("mixed.jsonl"),
            List.of("{\"text\":\"a\",\"label\":\"pos\"}", "{\"text\":\"b\",\"label\":1}"),
            StandardCharsets.UTF_8);
    CliTest.Run mixedRun =
        CliTest.run(
            "train",
            "--model",
            bert.toString(),
            "--data",
            mixed.toString(),
            "--out",
            tmp.resolve("y").toString());
    assertThat(mixedRun.code()).isNotZero();
    assertThat(mixedRun.err()).contains(mixed.toString()).contains("line 2").contains("line 1");

    CliTest.Run noLabels =
        CliTest.run(
            "classify",
            "--model",
            bert.toString(),
            "--adapter",
            tmp.resolve("nowhere").toString(),
            "--text",
            "x");
    assertThat(noLabels.code()).isNotZero();
    assertThat(noLabels.err()).contains("classifier.json");
  }
}
