/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j demo}: three users personalized, published to the embedded store, served, and
 * the same question answered differently for each over the HTTP API.
 */
class DemoCliTest {
  @Test
  void demoServesThreeUsersTheirOwnAnswers(@TempDir Path tmp) {
    Path out = tmp.resolve("demo");
    CliTest.Run r =
        CliTest.run("demo", "--dir", tmp.resolve("model").toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    String s = r.out();
    assertThat(s)
        .contains("=== 1. Personalizing 3 users")
        .contains("=== 2. Publishing to the adapter store jdbc:sqlite:")
        .contains("alice  version 1 active")
        .contains("=== 3. Serving at http://127.0.0.1:")
        .contains("Q: favorite color? A:")
        .containsPattern("base model +\\[base\\] +-> ")
        .containsPattern("alice +\\[alice@1\\] +-> \" teal\\.\"")
        .containsPattern("bob +\\[bob@1\\] +-> \" amber\\.\"")
        .containsPattern("carol +\\[carol@1\\] +-> \" violet\\.\"")
        .containsPattern("Q: home city\\? A:[\\s\\S]*alice +\\[alice@1\\] +-> \" Lisbon\\.\"")
        .contains("6 of 6 answers are the user's own fact");
    assertThat(s)
        .containsPattern("alice +\\d+ steps in +\\d+\\.\\d s, loss \\d+\\.\\d+ -> 0\\.\\d+");
    assertThat(out.resolve("alice/adapter_model.safetensors")).isRegularFile();
    assertThat(out.resolve("carol/loss.png")).isRegularFile();
    assertThat(out.resolve("store.db")).isRegularFile();
    // The base model's answer is none of the users' facts.
    String baseLine = s.lines().filter(l -> l.contains("[base]")).findFirst().orElseThrow();
    assertThat(baseLine).doesNotContain("teal").doesNotContain("amber").doesNotContain("violet");
    // A second run publishes new versions to the same store.
    CliTest.Run again =
        CliTest.run(
            "demo",
            "--dir",
            tmp.resolve("model").toString(),
            "--out",
            out.toString(),
            "--questions",
            "1",
            "--steps",
            "40");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("alice  version 2 active").containsPattern("\\[alice@2\\]");
  }
}
