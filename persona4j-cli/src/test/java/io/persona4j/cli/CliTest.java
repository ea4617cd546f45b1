/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir static Path tmp;
  static Path llama;

  record Run(int code, String out, String err) {}

  /**
   * A random-weight 2-layer BERT encoder (hidden 32, vocabulary 300) made by {@code model init}.
   */
  static Path tinyBert(Path dir) {
    Run init =
        run(
            "model",
            "init",
            "--family",
            "bert",
            "--layers",
            "2",
            "--hidden",
            "32",
            "--heads",
            "4",
            "--vocab",
            "300",
            "--out",
            dir.toString());
    assertThat(init.code()).as(init.err()).isZero();
    return dir;
  }

  static synchronized Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      var cl = Persona4j.commandLine();
      cl.setErr(new java.io.PrintWriter(System.err, true));
      int code = cl.execute(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @BeforeAll
  static void init() {
    llama = TrainCliTest.initLlama(tmp.resolve("llama"), "32");
  }

  @Test
  void inspectLogitsPrintsExactlyWhatTheModelComputes() throws Exception {
    Run r = run("inspect", "logits", "--model", llama.toString(), "--ids", "1,5,7,9");
    assertThat(r.code()).as(r.err()).isZero();
    float[] printed = new ObjectMapper().readValue(r.out(), float[].class);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(llama, m)) {
      float[] all =
          model.logits(m.create(new long[] {1, 5, 7, 9}, new Shape(1, 4)), null).toFloatArray();
      float[] last = java.util.Arrays.copyOfRange(all, 3 * 300, 4 * 300);
      assertThat(printed).containsExactly(last);
    }
    Run all =
        run("inspect", "logits", "--model", llama.toString(), "--ids", "1,5,7", "--all-positions");
    float[][] rows = new ObjectMapper().readValue(all.out(), float[][].class);
    assertThat(rows).hasNumberOfRows(3);
    assertThat(rows[0]).hasSize(300);
  }

  @Test
  void badInputGivesAClearMessageAndExitCodeOne() {
    Run ids = run("inspect", "logits", "--model", llama.toString(), "--ids", "1,300");
    assertThat(ids.code()).isEqualTo(1);
    assertThat(ids.err()).contains("token id 300").contains("[0, 300)");
    Run missing = run("inspect", "logits", "--model", tmp.resolve("nope").toString(), "--ids", "1");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("nope").contains("config.json");
    Run family = run("model", "init", "--family", "gpt2", "--out", tmp.resolve("x").toString());
    assertThat(family.code()).isEqualTo(1);
    assertThat(family.err()).contains("--family").contains("gpt2");
    Run usage = run("inspect", "logits", "--ids", "1");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("--model");
  }

  @Test
  void generateStreamsTextAndReportsThroughput() {
    Run r =
        run(
            "generate",
            "--model",
            llama.toString(),
            "--prompt",
            "Hello there",
            "--max-tokens",
            "8");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("Hello there");
    assertThat(r.err()).contains("tokens/s");
    Run batch =
        run(
            "generate",
            "--model",
            llama.toString(),
            "--prompt",
            "a",
            "--prompt",
            "b c d",
            "--max-tokens",
            "4",
            "--temperature",
            "0.8",
            "--top-k",
            "20",
            "--seed",
            "3");
    assertThat(batch.code()).as(batch.err()).isZero();
    assertThat(batch.out()).contains("[0] a").contains("[1] b c d");
  }

  @Test
  void generateWithReducedPrecisionWeightsRunsAndRejectsUnknownPrecisions() {
    for (String w : new String[] {"bf16", "int8"}) {
      Run r =
          run(
              "generate",
              "--model",
              llama.toString(),
              "--prompt",
              "Hello there",
              "--max-tokens",
              "6",
              "--weights",
              w);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).startsWith("Hello there");
      assertThat(r.err()).contains("tokens/s");
    }
    Run bad = run("generate", "--model", llama.toString(), "--prompt", "a", "--weights", "fp8");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("weights 'fp8' is not one of f32, bf16, int8");
  }
}
