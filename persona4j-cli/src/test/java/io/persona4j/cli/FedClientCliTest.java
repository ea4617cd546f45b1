/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.InsecureServerCredentials;
import io.persona4j.transport.grpc.ClientRegistry;
import io.persona4j.transport.grpc.GrpcGrid;
import io.persona4j.transport.grpc.GrpcGridConfig;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j fed client} against a server that is not there, or speaks the other security.
 */
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

  /** A real certificate in PEM (the JDK's first CA): enough to turn the client's TLS on. */
  private static Path somePem() throws Exception {
    java.security.KeyStore ks =
        java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    try (var in =
        Files.newInputStream(
            Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"))) {
      ks.load(in, "changeit".toCharArray());
    }
    String alias = java.util.Collections.list(ks.aliases()).get(0);
    String pem =
        "-----BEGIN CERTIFICATE-----\n"
            + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(ks.getCertificate(alias).getEncoded())
            + "\n-----END CERTIFICATE-----\n";
    return Files.writeString(dir.resolve("some-ca.pem"), pem);
  }

  @Test
  void aTlsClientAtAPlaintextServerExitsAtOnceWithTheReason() throws Exception {
    try (GrpcGrid grid =
        GrpcGrid.start(
            GrpcGridConfig.loopback(0),
            new ClientRegistry().register("a", "token-a-123"),
            InsecureServerCredentials.create())) {
      long t0 = System.nanoTime();
      CliTest.Run r = client(grid.port(), "--trust", somePem().toString());
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(r.code()).as(r.err()).isEqualTo(1);
      assertThat(r.err())
          .contains("client 'a' cannot talk to 127.0.0.1:" + grid.port())
          .contains("speaks plaintext gRPC, but this client uses TLS");
      // it stopped instead of retrying until --give-up-after (600 s by default)
      assertThat(seconds).isLessThan(120);
    }
  }
}
