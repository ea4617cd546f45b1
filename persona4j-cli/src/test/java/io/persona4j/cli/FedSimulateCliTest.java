/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.privacy.dp.RdpAccountant;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code persona4j fed simulate} in-process: the privacy budget stop and the resume guards. */
class FedSimulateCliTest {
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    TrainCliTest.initLlama(dir.resolve("model"), "32");
    Files.createDirectories(dir.resolve("data"));
    for (String c : new String[] {"a", "b", "c"}) {
      Files.writeString(
          dir.resolve("data").resolve(c + ".jsonl"),
          "{\"prompt\": \"Q: "
              + c
              + "?\", \"completion\": \" A: yes.\"}\n{\"prompt\": \"Q: not "
              + c
              + "?\", \"completion\": \" A: no.\"}\n");
    }
  }

  private static Path config(String name, String extra) throws Exception {
    return Files.writeString(
        dir.resolve(name),
        "{\"baseModel\": \"model\", \"lora\": {\"r\": 2, \"alpha\": 4}, \"rounds\": 3,"
            + " \"minClients\": 3, \"minReplies\": 3, \"localSteps\": 1, \"learningRate\": 0.01,"
            + " \"seed\": 3"
            + extra
            + "}");
  }

  @Test
  void dpRunStopsBeforeTheRoundThatWouldExceedTheBudgetAndKeepsTheLastAdapter() throws Exception {
    // q = 1, z = 1: one round spends ~4.73, two ~7.08 at delta 1e-5: a budget of 6 allows one
    RdpAccountant one = new RdpAccountant().compose(1.0, 1.0, 1);
    RdpAccountant two = new RdpAccountant().compose(1.0, 1.0, 2);
    assertThat(one.epsilon(1e-5)).isLessThan(6);
    assertThat(two.epsilon(1e-5)).isGreaterThan(6);
    Path cfg =
        config(
            "dp.json",
            ", \"secagg\": \"secagg\", \"dp\": {\"clip\": 0.5, \"noiseMultiplier\": 1.0,"
                + " \"delta\": 1e-5, \"epsilonBudget\": 6}");
    Path out = dir.resolve("dp-out");
    CliTest.Run r =
        CliTest.run(
            "fed",
            "simulate",
            "--config",
            cfg.toString(),
            "--clients",
            "3",
            "--data",
            dir.resolve("data").toString(),
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("round 1/3: 3 ok").doesNotContain("round 2/3").contains("stopped");
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(summary.path("rounds").asInt()).isEqualTo(1);
    assertThat(summary.path("stoppedBy").asText()).contains("budget");
    assertThat(summary.path("epsilon").asDouble())
        .isCloseTo(one.epsilon(1e-5), org.assertj.core.api.Assertions.within(1e-9));
    assertThat(out.resolve("adapter/adapter_model.safetensors")).isRegularFile();

    // resuming restores the accountant from the checkpoint: still over budget for round 2, so the
    // resumed run stops again at once, reporting round 1's epsilon (a fresh accountant would say 0)
    CliTest.Run resumed =
        CliTest.run(
            "fed",
            "simulate",
            "--config",
            cfg.toString(),
            "--clients",
            "3",
            "--data",
            dir.resolve("data").toString(),
            "--out",
            out.toString(),
            "--resume");
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(resumed.err()).doesNotContain("round 2/3").contains("stopped");
    JsonNode again = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(again.path("epsilon").asDouble())
        .isCloseTo(one.epsilon(1e-5), org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void resumeNeedsACheckpointAndAnExistingCheckpointNeedsResume() throws Exception {
    Path cfg = config("plain.json", "");
    Path out = dir.resolve("plain-out");
    String[] args = {
      "fed",
      "simulate",
      "--config",
      cfg.toString(),
      "--clients",
      "3",
      "--data",
      dir.resolve("data").toString(),
      "--out",
      out.toString()
    };
    CliTest.Run noCheckpoint = CliTest.run(concat(args, "--resume"));
    assertThat(noCheckpoint.code()).isEqualTo(1);
    assertThat(noCheckpoint.err()).contains("no checkpoint");
    CliTest.Run first = CliTest.run(args);
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err()).contains("round 3/3: 3 ok");
    CliTest.Run again = CliTest.run(args);
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("a checkpoint exists").contains("--resume");
    // resuming a finished run runs no round and writes the same adapter
    byte[] adapter = Files.readAllBytes(out.resolve("adapter/adapter_model.safetensors"));
    CliTest.Run resumed = CliTest.run(concat(args, "--resume"));
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(resumed.err()).doesNotContain("round 1/3");
    assertThat(resumed.err())
        .contains("the run already finished all 3 rounds")
        .doesNotContain("NaN");
    assertThat(Files.readAllBytes(out.resolve("adapter/adapter_model.safetensors")))
        .isEqualTo(adapter);
  }

  @Test
  void badClientRowsAreFoundBeforeRoundOneAndCanBeSkipped() throws Exception {
    Path data = Files.createDirectories(dir.resolve("bad-data"));
    for (String c : new String[] {"a", "b"}) {
      Files.copy(dir.resolve("data").resolve(c + ".jsonl"), data.resolve(c + ".jsonl"));
    }
    Files.writeString(
        data.resolve("c.jsonl"),
        "{\"prompt\": \"Q: c?\", \"completion\": \" A: yes.\"}\n{\"prompt\": 3}\n");
    Path cfg = config("bad.json", "");
    String[] args = {
      "fed",
      "simulate",
      "--config",
      cfg.toString(),
      "--clients",
      "3",
      "--data",
      data.toString(),
      "--out",
      dir.resolve("bad-out").toString()
    };
    CliTest.Run failed = CliTest.run(args);
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err())
        .contains("client 'c'")
        .contains("c.jsonl:2: field 'completion'")
        .contains("--on-bad-row skip")
        .doesNotContain("JsonlDataset")
        .doesNotContain("round 1/3")
        .doesNotContain("checkpoint");
    assertThat(dir.resolve("bad-out/checkpoints")).doesNotExist();
    CliTest.Run skipped = CliTest.run(concat(concat(args, "--on-bad-row"), "skip"));
    assertThat(skipped.code()).as(skipped.err()).isZero();
    assertThat(skipped.err()).contains("c: 1 examples").contains("round 3/3: 3 ok");
  }

  private static String[] concat(String[] a, String b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = b;
    return out;
  }
}
