/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.persona4j.federated.AccountingLog;
import io.persona4j.federated.AccountingRecord;
import io.persona4j.federated.Failure;
import io.persona4j.federated.app.ProgressLine;
import io.persona4j.privacy.dp.RdpAccountant;
import io.persona4j.transport.grpc.ClientRegistry;
import io.persona4j.transport.grpc.GrpcClient;
import io.persona4j.transport.grpc.GrpcClientConfig;
import io.persona4j.transport.grpc.GrpcGrid;
import io.persona4j.transport.grpc.GrpcGridConfig;
import io.persona4j.transport.grpc.TlsCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example of {@code docs/FEDERATED.md}, run as a user would run it: the commands of its first
 * block (the model and the simulation for real, the server and client command lines parsed), its
 * {@code server.json} for the full 20 rounds, its keytool commands (whose certificates then carry a
 * mutual-TLS connection) and its progress line.
 */
class FederatedDocsTest {
  private static final String PASSWORD = "docs-password";

  @TempDir static Path dir;
  static String doc;

  @BeforeAll
  static void readDoc() throws Exception {
    doc = Files.readString(Path.of("..", "docs", "FEDERATED.md"));
  }

  /** The fenced blocks of a language, in order. */
  static List<String> blocks(String language) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(doc);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** The {@code bin/persona4j} commands of a shell block, continuation lines joined. */
  static List<List<String>> commands(String block) {
    List<List<String>> out = new ArrayList<>();
    String joined = block.replaceAll("\\\\\n\\s*", " ");
    for (String line : joined.split("\n")) {
      line = line.replaceAll("\\s+#.*$", "").strip();
      if (!line.startsWith("bin/persona4j ")) {
        continue;
      }
      // optional flags in [brackets] are taken; "fed/" paths go to the test's directory
      line = line.replace("[", "").replace("]", "").replace("\"$ALICE_TOKEN\"", "token-alice-1");
      List<String> args = new ArrayList<>();
      for (String a : line.substring("bin/persona4j ".length()).split("\\s+")) {
        args.add(a.startsWith("fed/") ? dir.resolve(a).toString() : a);
      }
      out.add(args);
    }
    return out;
  }

  @Test
  void theModelAndTheTwentyRoundSimulationOfTheExampleServerJsonRun() throws Exception {
    List<List<String>> cmds = commands(blocks("bash").get(0));
    assertThat(cmds)
        .extracting(c -> c.get(0) + " " + c.get(1))
        .containsExactly("model init", "fed simulate", "fed server", "fed client");
    CliTest.Run init = CliTest.run(cmds.get(0).toArray(String[]::new));
    assertThat(init.code()).as(init.err()).isZero();
    Path fed = dir.resolve("fed");
    Files.writeString(fed.resolve("server.json"), blocks("json").get(0));
    Path data = Files.createDirectories(fed.resolve("data"));
    for (String c : List.of("alice", "bob", "carol")) {
      StringBuilder rows = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        rows.append(
            String.format(
                "{\"prompt\": \"Q: favorite color of %s's item %d?\", \"completion\": \" A: %s.\"}%n",
                c, i, List.of("teal", "amber", "plum", "coral").get((i + c.length()) % 4)));
      }
      Files.writeString(data.resolve(c + ".jsonl"), rows);
    }
    CliTest.Run sim = CliTest.run(cmds.get(1).toArray(String[]::new));
    assertThat(sim.code()).as(sim.err()).isZero();
    assertThat(sim.err())
        .contains("round 20/20: 3 ok")
        .doesNotContain("INVALID_REPLY")
        .doesNotContain("stopped")
        .doesNotContain("warning");
    List<AccountingRecord.Round> ok =
        AccountingLog.okRounds(AccountingLog.read(fed.resolve("sim/accounting.jsonl")));
    assertThat(ok).hasSize(20).allSatisfy(r -> assertThat(r.validReplies()).isEqualTo(3));
    // the budget covers the documented rounds, as the accountant computes it independently
    double epsilon20 = new RdpAccountant().compose(1.0, 3.0, 20).epsilon(1e-5);
    assertThat(epsilon20).isLessThan(8.0);
    assertThat(sim.err()).contains(String.format("privacy: epsilon %.4f", epsilon20));
  }

  @Test
  void theServerAndClientCommandLinesParse() {
    List<List<String>> cmds = commands(blocks("bash").get(0));
    for (List<String> c : cmds.subList(2, 4)) {
      var parsed = Persona4j.commandLine().parseArgs(c.toArray(String[]::new));
      assertThat(parsed.subcommand().subcommand().unmatched()).as(c.toString()).isEmpty();
    }
    assertThat(cmds.get(3)).contains("--key-store", "--key-store-password", "--trust");
  }

  @Test
  void theKeytoolCommandsMakeCertificatesThatCarryAMutualTlsConnection() throws Exception {
    String keytool = blocks("bash").get(blocks("bash").size() - 1);
    assertThat(keytool).contains("keytool -genkeypair");
    Path certs = Files.createDirectories(dir.resolve("certs"));
    ProcessBuilder pb =
        new ProcessBuilder("bash", "-euo", "pipefail", "-c", keytool)
            .directory(certs.toFile())
            .redirectErrorStream(true)
            .redirectOutput(certs.resolve("keytool.log").toFile());
    pb.environment().put("PW", PASSWORD);
    pb.environment()
        .put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(certs.resolve("keytool.log"))).isZero();

    char[] pw = PASSWORD.toCharArray();
    ServerCredentials server =
        TlsCredentials.server(
            TlsCredentials.loadPkcs12(certs.resolve("server.p12"), pw),
            pw,
            TlsCredentials.loadTrustStore(certs.resolve("clients.pem"), pw));
    ChannelCredentials alice =
        TlsCredentials.client(
            TlsCredentials.loadTrustStore(certs.resolve("server.pem"), pw),
            TlsCredentials.loadPkcs12(certs.resolve("alice.p12"), pw),
            pw);
    ClientRegistry registry = new ClientRegistry().register("alice", "token-alice-1");
    registry.requireCertificateIdentity(true);
    try (GrpcGrid grid = GrpcGrid.start(GrpcGridConfig.loopback(0), registry, server)) {
      GrpcClient client =
          GrpcClient.start(
              GrpcClientConfig.builder()
                  .setHost("127.0.0.1")
                  .setPort(grid.port())
                  .setClientId("alice")
                  .setToken("token-alice-1")
                  .optAuthority("fed.example.org")
                  .build(),
              alice,
              new io.persona4j.federated.ClientApp() {
                @Override
                public io.persona4j.federated.Reply fit(io.persona4j.federated.Instruction in) {
                  throw new UnsupportedOperationException();
                }

                @Override
                public io.persona4j.federated.Reply evaluate(
                    io.persona4j.federated.Instruction in) {
                  throw new UnsupportedOperationException();
                }
              });
      try {
        assertThat(client.awaitConnected(Duration.ofSeconds(20))).isTrue();
        assertThat(grid.clients()).containsExactly("alice");
      } finally {
        client.close();
      }
    }
  }

  @Test
  void theProgressLineIsWhatTheServerPrints() {
    String documented =
        doc.lines().filter(l -> l.startsWith("round 2/20: ")).findFirst().orElseThrow();
    AccountingRecord.Round r =
        new AccountingRecord.Round(
            2,
            0,
            AccountingRecord.Status.OK,
            null,
            List.of("alice", "bob", "carol"),
            2,
            1,
            13_000,
            12_700,
            800,
            List.of(
                new AccountingRecord.Client("alice", null, null, 4_400, 6_350, 700, 8L, 5.5),
                new AccountingRecord.Client("bob", null, null, 4_300, 6_350, 750, 8L, 5.661),
                new AccountingRecord.Client(
                    "carol", Failure.Kind.DROPPED, "connection lost", 4_300, 0, 10, null, null)));
    assertThat(new ProgressLine(line -> {}, 20, () -> 1.2345).line(r)).isEqualTo(documented);
  }
}
