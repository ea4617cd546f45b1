/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j rec base}, shrunk to seconds: a tiny base model pre-trained on the copying
 * corpus for a few steps, its ValidRatio check written, then used by {@code rec experiment
 * --base-model} end to end; {@code --check-only} without a model names the fix.
 */
class RecBaseCliTest {
  @Test
  void aCachedCopyingBaseRunsTheGroupedPresetEndToEnd(@TempDir Path tmp) throws Exception {
    Path base = tmp.resolve("base");
    CliTest.Run r =
        CliTest.run(
            "rec",
            "base",
            "--preset",
            "grouped-smoke",
            "--steps",
            "3",
            "--copy-per-user",
            "1",
            "--valid-users",
            "3",
            "--out",
            base.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("base check on 3 validation users: ValidRatio");
    JsonNode pre = new ObjectMapper().readTree(base.resolve("pretraining.json").toFile());
    assertThat(pre.get("steps").asLong()).isEqualTo(3);
    assertThat(pre.get("completion_documents").asLong()).isPositive();
    JsonNode check = new ObjectMapper().readTree(base.resolve("base-check.json").toFile());
    assertThat(check.get("samples").asLong()).isEqualTo(3);
    assertThat(check.get("valid_ratio").asDouble()).isBetween(0.0, 1.0);
    assertThat(check.get("examples")).hasSize(3);

    Path out = tmp.resolve("rec");
    CliTest.Run e =
        CliTest.run(
            "rec",
            "experiment",
            "--preset",
            "grouped-smoke",
            "--base-model",
            base.toString(),
            "--max-users",
            "12",
            "--eval-users",
            "4",
            "--valid-users",
            "2",
            "--checks",
            "1",
            "--finetune-steps",
            "1",
            "--methods",
            "0,1",
            "--out",
            out.toString());
    assertThat(e.code()).as(e.err()).isZero();
    assertThat(Files.readString(out.resolve("results.md")))
        .contains("(given; Llama, 2 layers, hidden 64, pre-trained 3 steps")
        .contains("free-generation ValidRatio")
        .contains("HR@1 (beam 5)");

    CliTest.Run bad =
        CliTest.run(
            "rec", "base", "--preset", "grouped-smoke", "--check-only", "--out", tmp.toString());
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--check-only: no model in").contains("drop --check-only");
  }
}
