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

/** {@code persona4j fed experiment secfpp|secfpp-sweep|secfpp-probe}: options and smoke runs. */
class FedExperimentSecFppCliTest {
  @Test
  void secfppListsTheTrainingAndMethodOptions() {
    CliTest.Run help = CliTest.run("fed", "experiment", "secfpp", "--help");
    assertThat(help.code()).as(help.err()).isZero();
    assertThat(help.out())
        .contains("--lr", "--virtual-tokens", "--methods", "--previous", "--cluster-restarts");
    CliTest.Run bad = CliTest.run("fed", "experiment", "secfpp", "--lr", "0");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--lr must be a finite number > 0, got 0.0");
  }

  @Test
  void sweepOnTheSmokePresetWritesItsTableAndRejectsBadGrids(@TempDir Path dir) throws Exception {
    CliTest.Run bad =
        CliTest.run("fed", "experiment", "secfpp-sweep", "--preset", "smoke", "--lrs", "0.05,-1");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--lrs", "-1");
    Path out = dir.resolve("sweep");
    CliTest.Run ok =
        CliTest.run(
            "fed",
            "experiment",
            "secfpp-sweep",
            "--preset",
            "smoke",
            "--lrs",
            "0.05",
            "--local-steps",
            "2",
            "--max-steps",
            "2",
            "--out",
            out.toString());
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(Files.readString(out.resolve("sweep.md")))
        .contains("| LOCAL | 0.05 | 2 | 1 | 2 |", "| FEDAVG | 0.05 | 2 | 1 | 2 |", "Chosen");
  }

  @Test
  void probeOnTheSmokePresetWritesItsTable(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("probe");
    CliTest.Run ok =
        CliTest.run(
            "fed",
            "experiment",
            "secfpp-probe",
            "--preset",
            "smoke",
            "--warmup-steps",
            "2",
            "--out",
            out.toString());
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(Files.readString(out.resolve("probe.md")))
        .contains("2 warm-up steps", "| shipped |", "| data-embedding |");
  }
}
