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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j rec prepare | train | eval} on a sample of the real MovieLens latest-small copy,
 * with a tiny base model pre-trained by {@code model pretrain} on the prepared corpus.
 */
class RecCliTest {
  static Path movieLens() {
    String shared = System.getProperty("persona4j.shared", "../../shared");
    Path p = Path.of(shared, "data", "movielens-small");
    if (!Files.isDirectory(p)) {
      throw new AssertionError(
          p
              + " not found: put the shared data (../shared/data/movielens-small beside the"
              + " checkout) there or run with -Dpersona4j.shared=/path/to/shared");
    }
    return p;
  }

  @Test
  void prepareTrainAndEvaluateARecommenderFromTheCommandLine(@TempDir Path tmp) throws Exception {
    String data = movieLens().toString();
    Path prepared = tmp.resolve("prepared");
    CliTest.Run prep =
        CliTest.run(
            "rec", "prepare", "--data", data, "--out", prepared.toString(), "--max-users", "30");
    assertThat(prep.code()).as(prep.err()).isZero();
    assertThat(prep.out()).contains("ml-latest-small").contains("users 30");
    assertThat(Files.readAllLines(prepared.resolve("test.jsonl"))).hasSize(30);
    JsonNode row =
        new ObjectMapper().readTree(Files.readAllLines(prepared.resolve("test.jsonl")).get(0));
    assertThat(row.get("candidates")).hasSize(20);
    assertThat(row.get("history").size()).isBetween(1, 10);

    Path sasrec = tmp.resolve("sasrec");
    CliTest.Run s =
        CliTest.run(
            "rec",
            "train",
            "--method",
            "sasrec",
            "--data",
            data,
            "--max-users",
            "30",
            "--epochs",
            "2",
            "--eval-users",
            "10",
            "--out",
            sasrec.toString());
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(s.out()).contains("SASRec on 10 test users");
    assertThat(sasrec.resolve("sasrec_config.json")).isRegularFile();

    Path base = tmp.resolve("base");
    CliTest.Run pre =
        CliTest.run(
            "model",
            "pretrain",
            "--corpus",
            prepared.resolve("corpus.txt").toString(),
            "--out",
            base.toString(),
            "--layers",
            "1",
            "--hidden",
            "32",
            "--heads",
            "2",
            "--vocab",
            "600",
            "--special-tokens",
            "[HistoryEmb],[CansEmb]",
            "--max-len",
            "768",
            "--max-steps",
            "3",
            "--batch-size",
            "2",
            "--warmup-steps",
            "1");
    assertThat(pre.code()).as(pre.err()).isZero();

    Path adapter = tmp.resolve("adapter");
    CliTest.Run t =
        CliTest.run(
            "rec",
            "train",
            "--method",
            "llm",
            "--data",
            data,
            "--max-users",
            "30",
            "--base-model",
            base.toString(),
            "--sasrec",
            sasrec.toString(),
            "--experts",
            "2",
            "--steps",
            "2",
            "--batch-size",
            "2",
            "--max-prompt",
            "768",
            "--eval-users",
            "4",
            "--out",
            adapter.toString());
    assertThat(t.code()).as(t.err()).isZero();
    assertThat(adapter.resolve("moe_config.json")).isRegularFile();
    assertThat(adapter.resolve("projector.safetensors")).isRegularFile();
    assertThat(Files.readAllLines(adapter.resolve("predictions.jsonl"))).hasSize(4);
    Matcher trained = Pattern.compile("likelihood HR@1 ([0-9.]+)").matcher(t.out());
    assertThat(trained.find()).as(t.out()).isTrue();

    CliTest.Run e =
        CliTest.run(
            "rec",
            "eval",
            "--data",
            data,
            "--max-users",
            "30",
            "--base-model",
            base.toString(),
            "--sasrec",
            sasrec.toString(),
            "--adapter",
            adapter.toString(),
            "--eval-users",
            "4",
            "--max-prompt",
            "768");
    assertThat(e.code()).as(e.err()).isZero();
    JsonNode m = new ObjectMapper().readTree(e.out());
    assertThat(m.get("users").asInt()).isEqualTo(4);
    // The saved and reloaded recommender ranks exactly as the trained one did.
    assertThat(
            String.format(
                java.util.Locale.ROOT, "%.4f", m.get("likelihood_hit_ratio_1").asDouble()))
        .isEqualTo(trained.group(1));
    // Constrained decoding is reported too (always a candidate; a hit rate in [0, 1]).
    assertThat(m.get("constrained_hit_ratio_1").asDouble()).isBetween(0.0, 1.0);

    // Training recorded its user sample: another --max-users is refused, none means the same.
    assertThat(adapter.resolve(RecTrainingRecord.FILE)).isRegularFile();
    assertThat(sasrec.resolve(RecTrainingRecord.FILE)).isRegularFile();
    String[] eval = {
      "rec",
      "eval",
      "--data",
      data,
      "--base-model",
      base.toString(),
      "--sasrec",
      sasrec.toString(),
      "--adapter",
      adapter.toString(),
      "--eval-users",
      "4",
      "--max-prompt",
      "768"
    };
    CliTest.Run other = CliTest.run(FirstHourCliTest.concat(eval, "--max-users", "20"));
    assertThat(other.code()).isEqualTo(1);
    assertThat(other.err()).contains("--max-users 20").contains("--max-users 30");
    CliTest.Run same = CliTest.run(eval);
    assertThat(same.code()).as(same.err()).isZero();
    assertThat(new ObjectMapper().readTree(same.out()).get("likelihood_hit_ratio_1").asDouble())
        .isEqualTo(m.get("likelihood_hit_ratio_1").asDouble());

    CliTest.Run missing =
        CliTest.run("rec", "prepare", "--data", tmp.resolve("none").toString(), "--out", "x");
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).contains("--data").contains("no such directory");
  }
}
