/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j rec experiment}, shrunk to seconds: everything lands under {@code --out}, and
 * the checkout's docs/ stay untouched without {@code --update-docs}.
 */
class RecExperimentCliTest {
  @Test
  void aRunWritesUnderOutAndNeverIntoTheDocs(@TempDir Path tmp) throws Exception {
    Path docs = Installation.home().orElseThrow().resolve("docs");
    byte[] results = Files.readAllBytes(docs.resolve("RESULTS.md"));
    Path out = tmp.resolve("rec");
    CliTest.Run r =
        CliTest.run(
            "rec",
            "experiment",
            "--preset",
            "smoke",
            "--max-users",
            "12",
            "--eval-users",
            "2",
            "--base-steps",
            "1",
            "--finetune-steps",
            "1",
            "--methods",
            "0",
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(out.resolve("results.json")).isRegularFile();
    assertThat(out.resolve("rec-smoke.png")).isRegularFile();
    assertThat(Files.readString(out.resolve("results.md")))
        .contains("<!-- rec-experiment smoke movielens-small start -->")
        .contains("(rec-smoke.png)");
    assertThat(docs.resolve("RESULTS.md")).hasBinaryContent(results);
    assertThat(docs.resolve("rec-smoke.png")).doesNotExist();
  }
}
