/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.model.ModelFingerprint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user hit in the first hour (issue 11, points 2, 3, 4, 9 and 10), fixed. */
class FirstHourCliTest {
  @TempDir static Path tmp;
  static Path llama;
  static Path data;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void init() throws IOException {
    llama = TrainCliTest.initLlama(tmp.resolve("llama"), "32");
    data = Files.write(tmp.resolve("data.jsonl"), TrainCliTest.rows(), StandardCharsets.UTF_8);
  }

  static CliTest.Run train(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--model",
                llama.toString(),
                "--data",
                data.toString(),
                "--out",
                out.toString(),
                "--max-steps",
                "2",
                "--batch-size",
                "8"));
    args.addAll(List.of(extra));
    return CliTest.run(args.toArray(String[]::new));
  }

  /** Point 2: PEFT's all-linear, as {@code --help} advertises it. */
  @Test
  void allLinearTargetsEveryLinearLayerButTheOutputHead() throws IOException {
    for (String spelling : List.of("all-linear", "ALL-LINEAR")) {
      Path out = tmp.resolve("all-linear-" + spelling);
      CliTest.Run r = train(out, "--targets", spelling);
      assertThat(r.code()).as(r.err()).isZero();
      JsonNode targets =
          JSON.readTree(out.resolve("adapter_config.json").toFile()).get("target_modules");
      List<String> paths = new ArrayList<>();
      targets.forEach(t -> paths.add(t.asText()));
      // 2 layers x (q, k, v, o, gate, up, down); the shorthand is saved resolved, as PEFT does.
      assertThat(paths).hasSize(14).allMatch(p -> p.startsWith("model.layers."));
      assertThat(paths).noneMatch(p -> p.contains("lm_head"));
      assertThat(paths).contains("model.layers.1.mlp.down_proj", "model.layers.0.self_attn.k_proj");
    }
    CliTest.Run mixed = train(tmp.resolve("mixed"), "--targets", "all-linear,q_proj");
    assertThat(mixed.code()).isEqualTo(1);
    assertThat(mixed.err()).contains("--targets").contains("stands alone");
  }

  /** Point 3: --no-stats hides the statistics, --stats (the default) prints them. */
  @Test
  void noStatsHidesTheStatisticsAndStatsShowsThem() {
    String[] base = {
      "generate", "--model", llama.toString(), "--prompt", "hi", "--max-tokens", "2"
    };
    CliTest.Run plain = CliTest.run(base);
    CliTest.Run on = CliTest.run(concat(base, "--stats"));
    CliTest.Run off = CliTest.run(concat(base, "--no-stats"));
    for (CliTest.Run r : List.of(plain, on, off)) {
      assertThat(r.code()).as(r.err()).isZero();
    }
    assertThat(plain.err()).contains("tokens/s");
    assertThat(on.err()).contains("tokens/s");
    assertThat(off.err()).doesNotContain("tokens/s").doesNotContain("prefill");
    assertThat(off.out()).isEqualTo(on.out());
  }

  /** Point 4: short runs work with the default warm-up; errors name the flag. */
  @Test
  void shortPretrainingWorksAndErrorsNameTheFlag() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      lines.add("the cat sat on mat number " + i + ".");
    }
    Path corpus = Files.write(tmp.resolve("corpus.txt"), lines, StandardCharsets.UTF_8);
    String[] pretrain = {
      "model",
      "pretrain",
      "--corpus",
      corpus.toString(),
      "--layers",
      "1",
      "--hidden",
      "32",
      "--heads",
      "2",
      "--vocab",
      "300",
      "--max-len",
      "16",
      "--batch-size",
      "2"
    };
    Path out = tmp.resolve("pretrained");
    CliTest.Run r = CliTest.run(concat(pretrain, "--max-steps", "30", "--out", out.toString()));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(JSON.readTree(out.resolve("pretraining.json").toFile()).toString())
        .contains("\"warmupSteps\":3"); // 10% of 30

    CliTest.Run warm =
        CliTest.run(
            concat(
                pretrain,
                "--max-steps",
                "30",
                "--warmup-steps",
                "40",
                "--out",
                tmp.resolve("w").toString()));
    assertThat(warm.code()).isEqualTo(1);
    assertThat(warm.err()).contains("--warmup-steps 40").doesNotContain("warmupSteps");

    CliTest.Run tokens =
        CliTest.run(
            "generate", "--model", llama.toString(), "--prompt", "hi", "--max-tokens", "-3");
    assertThat(tokens.code()).isEqualTo(1);
    assertThat(tokens.err()).contains("--max-tokens").doesNotContain("maxNewTokens");
    assertThat(tokens.out()).as("nothing streams before the options are checked").isEmpty();

    CliTest.Run layers =
        CliTest.run(
            "model",
            "init",
            "--family",
            "llama",
            "--layers",
            "-2",
            "--out",
            tmp.resolve("l").toString());
    assertThat(layers.code()).isEqualTo(1);
    assertThat(layers.err())
        .contains("--layers -2")
        .doesNotContain("num_hidden_layers")
        .doesNotContain("config.json");
  }

  /** Point 10: one line and a hint for a bad value; no arguments exit non-zero; help works. */
  @Test
  void badArgumentsGetOneLineAndAHint() {
    CliTest.Run bad =
        CliTest.run(
            "generate", "--model", llama.toString(), "--prompt", "x", "--max-tokens", "abc");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err().lines().count()).isLessThanOrEqualTo(3);
    assertThat(bad.err())
        .contains("--max-tokens")
        .contains("'abc'")
        .contains("persona4j generate --help")
        .doesNotContain("Usage");

    CliTest.Run none = CliTest.run();
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("Usage: persona4j").contains("needs a command");
    CliTest.Run group = CliTest.run("model");
    assertThat(group.code()).isEqualTo(2);
    assertThat(group.err()).contains("persona4j model needs a command");

    CliTest.Run help = CliTest.run("help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: persona4j").contains("train");
    CliTest.Run helpTrain = CliTest.run("help", "train");
    assertThat(helpTrain.code()).isZero();
    assertThat(helpTrain.out()).contains("--overwrite").contains("all-linear");
  }

  /** Point 10: errors name the path and carry no Java class names. */
  @Test
  void errorsNamePathsWithoutClassNames() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("a-directory"));
    CliTest.Run d = train(tmp.resolve("d"), "--eval-data", data.toString());
    assertThat(d.code()).as(d.err()).isZero();
    CliTest.Run onDir =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            dir.toString(),
            "--out",
            tmp.resolve("x").toString());
    assertThat(onDir.code()).isEqualTo(1);
    assertThat(onDir.err()).contains("--data").contains(dir.toString()).contains("is a directory");

    CliTest.Run noAdapter =
        CliTest.run(
            "generate",
            "--model",
            llama.toString(),
            "--prompt",
            "x",
            "--adapter",
            tmp.resolve("missing").toString());
    assertThat(noAdapter.code()).isEqualTo(1);
    assertThat(noAdapter.err())
        .contains("missing")
        .doesNotContain("Exception")
        .doesNotContain("java.");

    Path config =
        Files.writeString(
            tmp.resolve("server.json"),
            "{\"baseModel\": \"m\", \"lora\": {\"r\": 8, \"alpha\": 16}, \"roundz\": 3}");
    CliTest.Run unknown =
        CliTest.run(
            "fed",
            "simulate",
            "--config",
            config.toString(),
            "--clients",
            "2",
            "--data",
            tmp.toString(),
            "--out",
            tmp.resolve("fed").toString());
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err())
        .contains("'roundz' is unknown")
        .contains("valid fields")
        .contains("baseModel")
        .doesNotContain("class ")
        .doesNotContain("io.persona4j");
  }

  /** Point 9: refuse to overwrite an adapter; a finished run's --resume says so. */
  @Test
  void trainRefusesToOverwriteAndSaysWhenARunIsFinished() throws IOException {
    Path out = tmp.resolve("twice");
    assertThat(train(out).code()).isZero();
    byte[] first = Files.readAllBytes(out.resolve("adapter_model.safetensors"));
    CliTest.Run again = train(out, "--seed", "7");
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err())
        .contains("--out")
        .contains("already holds an adapter")
        .contains("--overwrite");
    assertThat(Files.readAllBytes(out.resolve("adapter_model.safetensors"))).isEqualTo(first);
    CliTest.Run forced = train(out, "--seed", "7", "--overwrite");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(Files.readAllBytes(out.resolve("adapter_model.safetensors"))).isNotEqualTo(first);

    Path run = tmp.resolve("finished");
    assertThat(train(run, "--checkpoint-every", "2").code()).isZero();
    CliTest.Run resumed = train(run, "--resume");
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains("already finished at step 2 of 2").doesNotContain("NaN");
  }

  /** Point 9: adapters record their base model and refuse another one unless forced. */
  @Test
  void adaptersRecordTheirBaseAndRefuseAnotherUnlessForced() throws IOException {
    Path adapter = tmp.resolve("based");
    assertThat(train(adapter).code()).isZero();
    JsonNode config = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
    String fingerprint = ModelFingerprint.of(llama);
    assertThat(config.path("persona4j").path("base_model_fingerprint").asText())
        .isEqualTo(fingerprint);
    assertThat(config.get("base_model_name_or_path").asText())
        .isEqualTo(llama.toAbsolutePath().normalize().toString());

    // Same shapes, other weights: a different base.
    Path other = tmp.resolve("other-llama");
    CliTest.Run init =
        CliTest.run(
            "model",
            "init",
            "--family",
            "llama",
            "--layers",
            "2",
            "--hidden",
            "32",
            "--heads",
            "4",
            "--kv-heads",
            "2",
            "--vocab",
            "300",
            "--std",
            "0.2",
            "--seed",
            "9",
            "--out",
            other.toString());
    assertThat(init.code()).as(init.err()).isZero();
    String[] gen = {
      "generate",
      "--model",
      other.toString(),
      "--prompt",
      "hi",
      "--max-tokens",
      "2",
      "--adapter",
      adapter.toString()
    };
    CliTest.Run refused = CliTest.run(gen);
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err())
        .contains(fingerprint)
        .contains(ModelFingerprint.of(other))
        .contains("--force");
    CliTest.Run forced = CliTest.run(concat(gen, "--force"));
    assertThat(forced.code()).as(forced.err()).isZero();
    CliTest.Run own =
        CliTest.run(
            "generate",
            "--model",
            llama.toString(),
            "--prompt",
            "hi",
            "--max-tokens",
            "2",
            "--adapter",
            adapter.toString());
    assertThat(own.code()).as(own.err()).isZero();
  }

  static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
