/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.progress.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line in its own process with stdout and stderr going to a pipe, as when a user
 * redirects them to a file: progress shows as plain lines (point 8) and warnings reach the user.
 */
class OutputToAFileCliTest {
  @Test
  void trainingPrintsPlainProgressLinesAndAForeignAdapterAWarning(@TempDir Path tmp)
      throws Exception {
    Path llama = TrainCliTest.initLlama(tmp.resolve("llama"), "32");
    Path data = Files.write(tmp.resolve("data.jsonl"), TrainCliTest.rows(), StandardCharsets.UTF_8);
    Path adapter = tmp.resolve("adapter");
    String[] train = {
      "train",
      "--model",
      llama.toString(),
      "--data",
      data.toString(),
      "--out",
      adapter.toString(),
      "--max-steps",
      "5",
      "--batch-size",
      "4"
    };
    try (CliProcess every =
        CliProcess.start("train", tmp, Map.of(Progress.INTERVAL_ENV, "0"), train)) {
      every.assertSucceeds(Duration.ofMinutes(2));
      List<String> steps = progressLines(every.output());
      assertThat(steps).hasSize(5);
      assertThat(steps.get(0)).startsWith("step 1/5 | loss ");
      assertThat(steps.get(4)).startsWith("step 5/5 | loss ").contains("ETA 0:00:00");
      assertThat(every.output()).doesNotContain("\r");
    }
    String[] again = train.clone();
    again[6] = tmp.resolve("adapter2").toString();
    try (CliProcess quiet = CliProcess.start("train", tmp, again)) {
      quiet.assertSucceeds(Duration.ofMinutes(2));
      // default interval 30 s: the first and the last step of a run of a few seconds
      assertThat(progressLines(quiet.output()))
          .hasSize(2)
          .satisfiesExactly(
              first -> assertThat(first).startsWith("step 1/5 "),
              last -> assertThat(last).startsWith("step 5/5 "));
    }

    // An adapter without a base-model fingerprint (as PEFT writes them) loads, with a warning.
    Path peft = Files.createDirectories(tmp.resolve("peft"));
    Files.copy(
        adapter.resolve("adapter_model.safetensors"), peft.resolve("adapter_model.safetensors"));
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(adapter.resolve("adapter_config.json").toFile());
    config.remove("persona4j");
    Files.writeString(peft.resolve("adapter_config.json"), config.toString());
    try (CliProcess generate =
        CliProcess.start(
            "generate",
            tmp,
            "generate",
            "--model",
            llama.toString(),
            "--adapter",
            peft.toString(),
            "--prompt",
            "item 3?",
            "--max-tokens",
            "2")) {
      generate.assertSucceeds(Duration.ofMinutes(2));
      assertThat(generate.output())
          .contains("records no base-model fingerprint")
          .contains(peft.toString());
    }
  }

  static List<String> progressLines(String output) throws IOException {
    return output.lines().filter(l -> l.matches("step \\d+/\\d+ \\|.*")).toList();
  }
}
