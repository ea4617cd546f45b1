/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code persona4j fed client} against a server that is not there. */
class FedClientCliTest {
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    TrainCliTest.initLlama(dir.resolve("model"), "32");
    Files.writeString(
        dir.resolve("a.jsonl"), "{\"prompt\": \"Q: a?\", \"completion\": \" A: yes.\"}\n");
  }

  private static int unusedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static CliTest.Run client(int port, String... more) {
    String[] base = {
      "fed",
      "client",
      "--server",
      "127.0.0.1:" + port,
      "--id",
      "a",
      "--token",
      "token-a-123",
      "--data",
      dir.resolve("a.jsonl").toString(),
      "--model",
      dir.resolve("model").toString()
    };
    String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return CliTest.run(args);
  }

  @Test
  void aDeadServerIsRetriedVisiblyThenGivenUp() throws Exception {
    CliTest.Run r = client(unusedPort(), "--give-up-after", "1.5");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("a: 1 examples from")
        .contains("client a: cannot reach 127.0.0.1:")
        .contains("retry 1 in 0.1 s (giving up in ")
        .contains("client 'a' gave up: no connection to the server for 1.5 s")
        .contains("--give-up-after 0 retries forever");
  }

  @Test
  void badDataStopsTheClientBeforeItConnects() throws Exception {
    Files.writeString(dir.resolve("bad.jsonl"), "{\"prompt\": 1}\n");
    CliTest.Run r =
        CliTest.run(
            "fed",
            "client",
            "--server",
            "127.0.0.1:" + unusedPort(),
            "--id",
            "a",
            "--token",
            "token-a-123",
            "--data",
            dir.resolve("bad.jsonl").toString(),
            "--model",
            dir.resolve("model").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("bad.jsonl:1").contains("--on-bad-row skip");
    assertThat(r.err()).doesNotContain("connecting").doesNotContain("retry");
    CliTest.Run bad = client(unusedPort(), "--give-up-after", "-1");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("--give-up-after").contains("-1");
  }
}
