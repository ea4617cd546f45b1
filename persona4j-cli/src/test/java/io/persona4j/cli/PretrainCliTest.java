/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code persona4j model pretrain}: a small decoder learned from scratch on a tiny corpus. */
class PretrainCliTest {
  static final String[] ANIMALS = {"cat", "dog", "fox", "owl"};
  static final String[] PLACES = {"mat", "rug", "log", "box"};

  @Test
  void pretrainsAModelThatContinuesTheCorpusAndSavesItInHfLayout(@TempDir Path tmp)
      throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      lines.add("the " + ANIMALS[i % 4] + " sat on the " + PLACES[i % 4] + ".");
    }
    Path corpus = Files.write(tmp.resolve("corpus.txt"), lines, StandardCharsets.UTF_8);
    Path out = tmp.resolve("model");
    CliTest.Run r =
        CliTest.run(
            "model",
            "pretrain",
            "--corpus",
            corpus.toString(),
            "--out",
            out.toString(),
            "--layers",
            "2",
            "--hidden",
            "64",
            "--heads",
            "4",
            "--kv-heads",
            "2",
            "--vocab",
            "300",
            "--special-tokens",
            "[ItemEmb]",
            "--max-len",
            "32",
            "--max-steps",
            "60",
            "--batch-size",
            "8",
            "--lr",
            "3e-3",
            "--warmup-steps",
            "5");
    assertThat(r.code()).as(r.err()).isZero();
    for (String f :
        List.of(
            "config.json",
            "model.safetensors",
            "tokenizer.json",
            "metrics.jsonl",
            "loss.png",
            "pretraining.json")) {
      assertThat(out.resolve(f)).isRegularFile();
    }
    JsonNode p = new ObjectMapper().readTree(out.resolve("pretraining.json").toFile());
    assertThat(p.get("steps").asInt()).isEqualTo(60);
    // Uniform over 300 tokens is ln 300 = 5.7; the corpus is nearly deterministic text.
    assertThat(p.get("first_loss").asDouble()).isGreaterThan(4.5);
    assertThat(p.get("final_loss").asDouble()).isLessThan(1.0);

    CliTest.Run g =
        CliTest.run(
            "generate",
            "--model",
            out.toString(),
            "--prompt",
            "the owl sat on the",
            "--max-tokens",
            "3",
            "--temperature",
            "0");
    assertThat(g.code()).as(g.err()).isZero();
    assertThat(g.out()).contains("the owl sat on the box");

    CliTest.Run missing =
        CliTest.run(
            "model",
            "pretrain",
            "--corpus",
            tmp.resolve("none.txt").toString(),
            "--out",
            tmp.resolve("x").toString());
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).contains("none.txt").contains("no such file");
  }
}
