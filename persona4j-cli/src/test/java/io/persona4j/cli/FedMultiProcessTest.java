/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.privacy.dp.RdpAccountant;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j fed server} and {@code fed client} as separate processes on loopback: a real
 * deployment in miniature (one JVM per party, a tiny random Llama, keytool-made certificates).
 */
class FedMultiProcessTest {
  private static final List<String> CLIENTS = List.of("alice", "bob", "carol");
  private static final Duration EXIT = Duration.ofSeconds(90);
  private static final String PASSWORD = "test-password";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Path simAdapter;

  @BeforeAll
  static void setUp() throws Exception {
    TrainCliTest.initLlama(dir.resolve("model"), "32");
    Files.createDirectories(dir.resolve("data"));
    for (int c = 0; c < CLIENTS.size(); c++) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        b.append(
            String.format(
                "{\"prompt\": \"Q: %s likes item %d?\", \"completion\": \" A: color %d.\"}%n",
                CLIENTS.get(c), i, (i + c) % 4));
      }
      Files.writeString(dir.resolve("data").resolve(CLIENTS.get(c) + ".jsonl"), b);
    }
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String c : CLIENTS) {
      tokens.put(c, token(c));
    }
    Files.writeString(dir.resolve("tokens.json"), JSON.writeValueAsString(tokens));
    // the uninterrupted reference: the same configuration simulated in one process
    Path cfg = writeConfig("sim.json", 0, Map.of());
    try (CliProcess sim =
        CliProcess.start(
            "simulate",
            dir,
            "fed",
            "simulate",
            "--config",
            cfg.toString(),
            "--clients",
            "3",
            "--data",
            dir.resolve("data").toString(),
            "--out",
            dir.resolve("sim").toString())) {
      sim.assertSucceeds(EXIT);
      assertThat(sim.output()).contains("round 2/2: 3 ok");
    }
    simAdapter = dir.resolve("sim/adapter/adapter_model.safetensors");
    assertThat(simAdapter).isRegularFile();
  }

  static String token(String id) {
    return "token-of-" + id + "-0123";
  }

  /** A server.json: 3 clients, 2 rounds, at least 2 replies, FedAvg, seed 7, plus overrides. */
  static Path writeConfig(String name, int port, Map<String, Object> overrides) throws IOException {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("port", port);
    c.put("baseModel", "model");
    c.put("lora", Map.of("r", 4, "alpha", 8, "targets", List.of("q_proj", "v_proj")));
    c.put("rounds", 2);
    c.put("minClients", 2);
    c.put("minReplies", 2);
    c.put("localSteps", 3);
    c.put("learningRate", 0.01);
    c.put("batchSize", 4);
    c.put("seed", 7);
    c.put("tokens", "tokens.json");
    c.put("roundDeadlineSeconds", 60);
    c.put("clientWaitSeconds", 60);
    c.put("checkpointDir", name + ".checkpoints");
    c.putAll(overrides);
    Path f = dir.resolve(name);
    Files.writeString(f, JSON.writeValueAsString(c));
    return f;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static CliProcess server(Path config, String out, String... extra) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "fed",
                "server",
                "--config",
                config.toString(),
                "--out",
                dir.resolve(out).toString()));
    args.addAll(List.of(extra));
    return CliProcess.start("server", dir, args.toArray(String[]::new));
  }

  static CliProcess client(String id, String tokenValue, int port, String... extra)
      throws IOException {
    return client(id, tokenValue, port, dir.resolve("data").resolve(id + ".jsonl"), extra);
  }

  static CliProcess client(String id, String tokenValue, int port, Path data, String... extra)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "fed",
                "client",
                "--server",
                "127.0.0.1:" + port,
                "--id",
                id,
                "--token",
                tokenValue,
                "--data",
                data.toString(),
                "--model",
                dir.resolve("model").toString()));
    args.addAll(List.of(extra));
    return CliProcess.start(id, dir, args.toArray(String[]::new));
  }

  /** The JSONL accounting records of a run. */
  static List<JsonNode> log(String out) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve(out).resolve("accounting.jsonl"))) {
      lines.add(JSON.readTree(l));
    }
    return lines;
  }

  static byte[] adapterBytes(String out) throws IOException {
    return Files.readAllBytes(dir.resolve(out).resolve("adapter/adapter_model.safetensors"));
  }

  // ---- certificates (keytool, as an operator would make them) ----

  static List<Path> keyPairs(List<String> cns) throws Exception {
    List<Process> running = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (String cn : cns) {
      files.add(dir.resolve(cn + ".p12"));
      running.add(keyPair(cn, files.get(files.size() - 1)));
    }
    for (Process p : running) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(out).isZero();
    }
    return files;
  }

  /** Starts keytool making an EC key pair and self-signed certificate for {@code cn}. */
  static Process keyPair(String cn, Path file) throws IOException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    return new ProcessBuilder(
            keytool.toString(),
            "-genkeypair",
            "-alias",
            cn,
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=" + cn,
            "-ext",
            "SAN=dns:localhost,ip:127.0.0.1",
            "-validity",
            "2",
            "-storetype",
            "PKCS12",
            "-keystore",
            file.toString(),
            "-storepass",
            PASSWORD,
            "-keypass",
            PASSWORD)
        .redirectErrorStream(true)
        .start();
  }

  /** The certificates of PKCS12 files as one PEM file. */
  static Path pem(String name, Path... p12) throws Exception {
    StringBuilder b = new StringBuilder();
    for (Path f : p12) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(f)) {
        ks.load(in, PASSWORD.toCharArray());
      }
      String alias = ks.aliases().nextElement();
      b.append("-----BEGIN CERTIFICATE-----\n")
          .append(
              Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(ks.getCertificate(alias).getEncoded()))
          .append("\n-----END CERTIFICATE-----\n");
    }
    return Files.writeString(dir.resolve(name), b);
  }

  // ---- tests ----

  @Test
  void mutualTlsServerAndThreeClientProcessesRunTwoRoundsExactlyLikeTheSimulation()
      throws Exception {
    List<String> names = List.of("localhost", "alice", "bob", "carol");
    List<Path> keys = keyPairs(names); // keytool runs in parallel
    Path serverKey = keys.get(0);
    List<Path> clientKeys = keys.subList(1, 4);
    Path serverPem = pem("server.pem", serverKey);
    Path clientsPem = pem("clients.pem", clientKeys.toArray(Path[]::new));
    int port = freePort();
    Path cfg =
        writeConfig(
            "tls.json",
            port,
            Map.of(
                "tls",
                Map.of(
                    "keyStore", serverKey.toString(),
                    "password", PASSWORD,
                    "clientCa", clientsPem.toString())));
    List<CliProcess> procs = new ArrayList<>();
    try (CliProcess server = server(cfg, "tls")) {
      server.awaitOutput("listening on", EXIT);
      assertThat(server.output()).contains("mutual TLS, certificate CN = client id");
      for (int i = 0; i < CLIENTS.size(); i++) {
        String c = CLIENTS.get(i);
        procs.add(
            client(
                c,
                token(c),
                port,
                "--trust",
                serverPem.toString(),
                "--key-store",
                clientKeys.get(i).toString(),
                "--key-store-password",
                PASSWORD));
      }
      // alice's certificate (trusted), but a wrong token: refused, exit 1, says why
      try (CliProcess intruder =
          client(
              "alice",
              "not-the-right-token",
              port,
              "--trust",
              serverPem.toString(),
              "--key-store",
              clientKeys.get(0).toString(),
              "--key-store-password",
              PASSWORD)) {
        assertThat(intruder.awaitExit(EXIT)).as(intruder.output()).isEqualTo(1);
        assertThat(intruder.output()).contains("refused by the server: UNAUTHENTICATED");
      }
      server.assertSucceeds(EXIT);
      for (CliProcess p : procs) {
        p.assertSucceeds(EXIT);
        assertThat(p.output()).contains("the server finished the run");
      }
      assertThat(server.output()).contains("round 1/2: 3 ok").contains("round 2/2: 3 ok");
    } finally {
      for (CliProcess p : procs) {
        p.close();
      }
    }
    List<JsonNode> log = log("tls");
    assertThat(log).hasSize(2);
    for (JsonNode n : log) {
      assertThat(n.path("status").asText()).isEqualTo("ok");
      assertThat(n.path("validReplies").asInt()).isEqualTo(3);
      assertThat(n.path("bytesUp").asLong()).isPositive();
      for (JsonNode c : n.path("clients")) {
        assertThat(c.path("loss").asDouble()).isPositive();
      }
    }
    var png = ImageIO.read(dir.resolve("tls/metrics.png").toFile());
    assertThat(png.getWidth()).isEqualTo(920);
    assertThat(dir.resolve("tls/adapter/adapter_config.json")).isRegularFile();
    // same seeds: the gRPC run's adapter equals the in-process simulation's, bit for bit
    assertThat(adapterBytes("tls")).isEqualTo(Files.readAllBytes(simAdapter));
  }

  @Test
  void clientKilledMidRoundIsDroppedAndTheRunCompletesWithTheOthers() throws Exception {
    int port = freePort();
    Path cfg = writeConfig("kill.json", port, Map.of());
    List<CliProcess> procs = new ArrayList<>();
    try (CliProcess server = server(cfg, "kill")) {
      server.awaitOutput("listening on", EXIT);
      procs.add(client("alice", token("alice"), port));
      procs.add(client("bob", token("bob"), port));
      // carol is slow: she is certainly still training when she is killed
      CliProcess carol = client("carol", token("carol"), port, "--fit-delay-ms", "60000");
      procs.add(carol);
      carol.awaitOutput("carol: round 1: training", EXIT);
      carol.kill();
      server.assertSucceeds(EXIT);
      procs.get(0).assertSucceeds(EXIT);
      procs.get(1).assertSucceeds(EXIT);
      assertThat(server.output())
          .contains("round 1/2: 2 ok, 1 failed (carol DROPPED)")
          .contains("round 2/2: 2 ok");
    } finally {
      for (CliProcess p : procs) {
        p.close();
      }
    }
    List<JsonNode> log = log("kill");
    assertThat(log).hasSize(2);
    JsonNode r1 = log.get(0);
    assertThat(r1.path("status").asText()).isEqualTo("ok");
    assertThat(r1.path("validReplies").asInt()).isEqualTo(2);
    JsonNode carolRecord = null;
    for (JsonNode c : r1.path("clients")) {
      if (c.path("client").asText().equals("carol")) {
        carolRecord = c;
      }
    }
    assertThat(carolRecord).isNotNull();
    assertThat(carolRecord.path("status").asText()).isEqualTo("DROPPED");
    assertThat(log.get(1).path("sampled").toString()).isEqualTo("[\"alice\",\"bob\"]");
  }

  @Test
  void serverKilledAfterRoundOneResumesAndEndsBitIdenticalToTheUninterruptedRun() throws Exception {
    int port = freePort();
    Path cfg = writeConfig("resume.json", port, Map.of());
    Path logFile = dir.resolve("resume/accounting.jsonl");
    List<CliProcess> procs = new ArrayList<>();
    try {
      try (CliProcess first = server(cfg, "resume")) {
        first.awaitOutput("listening on", EXIT);
        for (String c : CLIENTS) {
          // a pause before each local training keeps round 2 running when the server dies
          procs.add(client(c, token(c), port, "--fit-delay-ms", "2500"));
        }
        first.awaitOutput("round 1/2: 3 ok", EXIT);
        long end = System.nanoTime() + EXIT.toNanos();
        while (!(Files.exists(logFile)
            && Files.readString(logFile).contains("\"status\":\"ok\""))) {
          assertThat(System.nanoTime()).as("round 1 logged").isLessThan(end);
          Thread.sleep(20);
        }
        first.kill(); // after round 1's checkpoint, during round 2
        assertThat(first.output()).doesNotContain("round 2/2");
      }
      for (CliProcess p : procs) {
        assertThat(p.process.isAlive()).as("%s keeps reconnecting", p.name).isTrue();
      }
      // without --resume the server refuses to overwrite the checkpoint
      try (CliProcess careless = server(cfg, "resume")) {
        assertThat(careless.awaitExit(EXIT)).isEqualTo(1);
        assertThat(careless.output()).contains("a checkpoint exists").contains("--resume");
      }
      try (CliProcess second = server(cfg, "resume", "--resume")) {
        second.assertSucceeds(EXIT);
        assertThat(second.output()).contains("round 2/2: 3 ok").doesNotContain("round 1/2");
      }
      for (CliProcess p : procs) {
        p.assertSucceeds(EXIT);
      }
    } finally {
      for (CliProcess p : procs) {
        p.close();
      }
    }
    List<JsonNode> log = log("resume");
    assertThat(log.stream().map(n -> n.path("event").asText("")).toList()).contains("resume");
    assertThat(adapterBytes("resume")).isEqualTo(Files.readAllBytes(simAdapter));
  }

  @Test
  void secAggPlusWithDistributedDpCompletesTwoRoundsAcrossProcessesAndReportsEpsilon()
      throws Exception {
    // 4 client processes and degree 2: a sparse graph (each client masks with 2 of the 3 others);
    // with 3 clients SecAgg+ would fall back to the complete graph
    List<String> four = List.of("alice", "bob", "carol", "dave");
    Files.createDirectories(dir.resolve("data4"));
    for (String c : four) {
      Path src = dir.resolve("data").resolve(c + ".jsonl");
      Files.writeString(
          dir.resolve("data4").resolve(c + ".jsonl"),
          Files.exists(src)
              ? Files.readString(src)
              : "{\"prompt\": \"Q: dave likes item 1?\", \"completion\": \" A: color 2.\"}\n"
                  + "{\"prompt\": \"Q: dave likes item 2?\", \"completion\": \" A: color 3.\"}\n");
    }
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String c : four) {
      tokens.put(c, token(c));
    }
    Files.writeString(dir.resolve("tokens4.json"), JSON.writeValueAsString(tokens));
    int port = freePort();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("tokens", "tokens4.json");
    o.put("minClients", 4);
    o.put("minReplies", 4);
    o.put("secagg", "secagg+");
    o.put("secaggOptions", Map.of("degree", 2));
    o.put("dp", Map.of("clip", 0.5, "noiseMultiplier", 1.0, "delta", 1e-5, "epsilonBudget", 100.0));
    Path cfg = writeConfig("dp.json", port, o);
    List<CliProcess> procs = new ArrayList<>();
    try (CliProcess server = server(cfg, "dp")) {
      server.awaitOutput("listening on", EXIT);
      for (String c : four) {
        procs.add(client(c, token(c), port, dir.resolve("data4").resolve(c + ".jsonl")));
      }
      server.assertSucceeds(EXIT);
      for (CliProcess p : procs) {
        p.assertSucceeds(EXIT);
      }
      assertThat(server.output())
          .contains("secure aggregation of 4 clients, SecAgg+ on a 2-regular graph")
          .contains("round 1/2: 4 ok")
          .contains("round 2/2: 4 ok")
          .contains("epsilon");
    } finally {
      for (CliProcess p : procs) {
        p.close();
      }
    }
    // the accountant composed 2 rounds of the Gaussian mechanism at q = 4/4, z = 1
    RdpAccountant reference = new RdpAccountant();
    reference.compose(1.0, 1.0, 2);
    JsonNode summary = JSON.readTree(dir.resolve("dp/summary.json").toFile());
    assertThat(summary.path("epsilon").asDouble())
        .isCloseTo(reference.epsilon(1e-5), org.assertj.core.api.Assertions.within(1e-9));
    assertThat(summary.path("epsilon").asDouble()).isBetween(1.0, 100.0);
    // under secure aggregation the server never sees a client's loss or update: no per-client
    // loss in the log, and the adapter differs from the plain FedAvg run
    for (JsonNode n : log("dp")) {
      assertThat(n.path("status").asText()).isEqualTo("ok");
      for (JsonNode c : n.path("clients")) {
        assertThat(c.has("loss")).isFalse();
      }
    }
    assertThat(adapterBytes("dp")).isNotEqualTo(Files.readAllBytes(simAdapter));
  }
}
