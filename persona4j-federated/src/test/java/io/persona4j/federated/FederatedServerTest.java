/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.federated.FaultyClient.Fault;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.federated.strategy.FedProx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FederatedServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  static List<JsonNode> readLog(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  @Test
  void twentyClientsConvergeToTheOptimumOfTheAverageObjective() throws IOException {
    Map<String, QuadraticClient> clients = SimulationFixture.clients(20, 1, 0.3, 0, 1);
    // optimum of sum_i n_i f_i: w* = sum n_i a_i c_i / sum n_i a_i
    double[] opt = new double[8];
    double z = 0;
    for (QuadraticClient c : clients.values()) {
      z += c.numExamples * c.curvature;
      for (int d = 0; d < 8; d++) {
        opt[d] += c.numExamples * c.curvature * c.center[d];
      }
    }
    ServerConfig cfg = SimulationFixture.withFiles(SimulationFixture.config(40, 1.0, 20, 20), tmp);
    try (InMemoryGrid grid = SimulationFixture.grid(clients)) {
      ServerState end =
          new FederatedServer(grid, new FedAvg(), cfg).run(SimulationFixture.zeroState());
      assertThat(end.round()).isEqualTo(40);
      float[] w = end.global().flatten();
      double initialDist = 0;
      for (int d = 0; d < 8; d++) {
        assertThat((double) w[d]).isCloseTo(opt[d] / z, within(1e-4));
        initialDist += opt[d] / z * (opt[d] / z);
      }
      assertThat(Math.sqrt(initialDist)).isGreaterThan(0.1);
    }
    List<JsonNode> log = readLog(cfg.logFile());
    assertThat(log).hasSize(40);
    long perClientDown =
        Instruction.fit(1, "c00", SimulationFixture.zeroState().global(), Map.of()).byteSize();
    for (JsonNode line : log) {
      assertThat(line.get("status").asText()).isEqualTo("ok");
      assertThat(line.get("clients")).hasSize(20);
      assertThat(line.get("bytesDown").asLong()).isEqualTo(20 * perClientDown);
      assertThat(line.get("bytesUp").asLong())
          .isGreaterThan(20 * SimulationFixture.zeroState().global().byteSize());
      assertThat(line.get("clients").get(0).get("loss").isNumber()).isTrue();
      assertThat(line.get("clients").get(0).get("localMs").asDouble()).isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void evaluationOfTheFinalModelReachesTheMinimumOfTheAverageObjective() throws Exception {
    Map<String, QuadraticClient> clients = SimulationFixture.clients(20, 1, 0.3, 0, 1);
    ServerConfig cfg = SimulationFixture.config(40, 1.0, 20, 20);
    try (InMemoryGrid grid = SimulationFixture.grid(clients)) {
      FederatedServer server = new FederatedServer(grid, new FedAvg(), cfg);
      float[] far = new float[8];
      java.util.Arrays.fill(far, 10f);
      ServerState start = ServerState.initial(QuadraticClient.layout(far));
      double before = weightedLoss(server.evaluate(start));
      ServerState end = server.run(start);
      double after = weightedLoss(server.evaluate(end));
      // hand value: sum n_i a_i / 2 ||w* - c_i||^2 / sum n_i at the optimum w*
      double[] opt = new double[8];
      double z = 0;
      double n = 0;
      for (QuadraticClient c : clients.values()) {
        z += c.numExamples * c.curvature;
        n += c.numExamples;
        for (int d = 0; d < 8; d++) {
          opt[d] += c.numExamples * c.curvature * c.center[d];
        }
      }
      double min = 0;
      for (QuadraticClient c : clients.values()) {
        float[] w = new float[8];
        for (int d = 0; d < 8; d++) {
          w[d] = (float) (opt[d] / z);
        }
        min += c.numExamples * c.loss(w);
      }
      min /= n;
      assertThat(after).isCloseTo(min, within(1e-4 * min));
      assertThat(after).isLessThan(0.1 * before);
    }
  }

  @Test
  void tooFewAvailableClientsStopsWithAClearMessage() {
    Map<String, QuadraticClient> clients = SimulationFixture.clients(2, 1, 0.3, 0, 8);
    try (InMemoryGrid grid = SimulationFixture.grid(clients)) {
      FederatedServer server =
          new FederatedServer(grid, new FedAvg(), SimulationFixture.config(1, 0.5, 3, 1));
      assertThatThrownBy(() -> server.run(SimulationFixture.zeroState()))
          .isInstanceOf(FederatedRunException.class)
          .hasMessageContaining("attempt 1: only 2 clients available, the sampler needs 3");
    }
  }

  private static double weightedLoss(RoundResult r) {
    assertThat(r.failures()).isEmpty();
    double sum = 0;
    double n = 0;
    for (Reply reply : r.replies()) {
      sum += reply.numExamples() * reply.metrics().get(Reply.LOSS);
      n += reply.numExamples();
    }
    return sum / n;
  }

  @Test
  void badRepliesAreFailuresAndNeverMerged() throws Exception {
    Map<String, QuadraticClient> base = SimulationFixture.clients(6, 3, 0.1, 0, 2);
    Map<String, ClientApp> apps = new TreeMap<>(base);
    apps.put("c03", new FaultyClient(base.get("c03"), Fault.NAN, Set.of()));
    apps.put("c04", new FaultyClient(base.get("c04"), Fault.WRONG_SHAPE, Set.of()));
    apps.put("c05", new FaultyClient(base.get("c05"), Fault.HUGE_UPDATE, Set.of()));
    ServerConfig c = SimulationFixture.config(1, 1.0, 6, 3);
    ServerConfig cfg =
        new ServerConfig(
            1,
            c.sampler(),
            3,
            c.roundDeadline(),
            0,
            100.0,
            tmp.resolve("ck"),
            tmp.resolve("log.jsonl"));
    ServerState start = SimulationFixture.zeroState();
    ServerState end;
    try (InMemoryGrid grid = SimulationFixture.grid(apps)) {
      end = new FederatedServer(grid, new FedAvg(), cfg).run(start);
    }
    List<Reply> good = new ArrayList<>();
    for (String id : List.of("c00", "c01", "c02")) {
      good.add(base.get(id).fit(Instruction.fit(1, id, start.global(), Map.of())));
    }
    assertThat(end.global()).isEqualTo(FedAvg.weightedAverage(good));
    assertThat(end.global().firstNonFinite()).isEmpty();
    JsonNode line = readLog(cfg.logFile()).get(0);
    assertThat(line.get("validReplies").asInt()).isEqualTo(3);
    assertThat(line.get("failures").asInt()).isEqualTo(3);
    Map<String, String> reasons = new TreeMap<>();
    for (JsonNode cl : line.get("clients")) {
      if (!cl.get("status").asText().equals("ok")) {
        assertThat(cl.get("status").asText()).isEqualTo("INVALID_REPLY");
        reasons.put(cl.get("client").asText(), cl.get("reason").asText());
      }
    }
    assertThat(reasons.get("c03")).contains("NaN");
    assertThat(reasons.get("c04")).contains("shape [3, 2], expected [2, 3]");
    assertThat(reasons.get("c05")).contains("exceeds bound 100.0");
  }

  @Test
  void aReplyImpersonatingAnotherClientIsNotMerged() throws Exception {
    Map<String, QuadraticClient> base = SimulationFixture.clients(4, 1, 0.3, 0, 12);
    Map<String, ClientApp> apps = new TreeMap<>(base);
    QuadraticClient honest = base.get("c03");
    apps.put(
        "c03",
        new ClientApp() {
          @Override
          public Reply fit(Instruction in) {
            Reply r = honest.fit(in);
            return new Reply("c00", r.round(), r.parameters(), r.numExamples(), r.metrics(), null);
          }

          @Override
          public Reply evaluate(Instruction in) {
            return honest.evaluate(in);
          }
        });
    ServerConfig cfg = SimulationFixture.withFiles(SimulationFixture.config(1, 1.0, 4, 2), tmp);
    ServerState start = SimulationFixture.zeroState();
    ServerState end;
    try (InMemoryGrid grid = SimulationFixture.grid(apps)) {
      end = new FederatedServer(grid, new FedAvg(), cfg).run(start);
    }
    List<Reply> good = new ArrayList<>();
    for (String id : List.of("c00", "c01", "c02")) {
      good.add(base.get(id).fit(Instruction.fit(1, id, start.global(), Map.of())));
    }
    assertThat(end.global()).isEqualTo(FedAvg.weightedAverage(good));
    JsonNode c03 = readLog(cfg.logFile()).get(0).get("clients").get(3);
    assertThat(c03.get("status").asText()).isEqualTo("INVALID_REPLY");
    assertThat(c03.get("reason").asText()).contains("another client");
  }

  @Test
  void aClientTheGridForgetsIsCountedAsAFailure() throws IOException {
    Map<String, QuadraticClient> base = SimulationFixture.clients(3, 1, 0.3, 0, 13);
    try (InMemoryGrid inner = SimulationFixture.grid(base)) {
      Grid lossy =
          new Grid() {
            @Override
            public List<String> clients() {
              return inner.clients();
            }

            @Override
            public RoundResult send(List<Instruction> instructions, Duration deadline) {
              RoundResult r = inner.send(instructions, deadline);
              List<Reply> kept =
                  r.replies().stream().filter(x -> !x.clientId().equals("c01")).toList();
              return new RoundResult(kept, r.failures(), r.stats());
            }
          };
      ServerConfig cfg = SimulationFixture.withFiles(SimulationFixture.config(1, 1.0, 3, 2), tmp);
      new FederatedServer(lossy, new FedAvg(), cfg).run(SimulationFixture.zeroState());
      JsonNode c01 = readLog(cfg.logFile()).get(0).get("clients").get(1);
      assertThat(c01.get("status").asText()).isEqualTo("INVALID_REPLY");
      assertThat(c01.get("reason").asText()).contains("neither a reply nor a failure");
      assertThat(readLog(cfg.logFile()).get(0).get("validReplies").asInt()).isEqualTo(2);
    }
  }

  @Test
  void stragglerPastDeadlineIsAFailureAndTheRoundSucceeds() throws Exception {
    Map<String, QuadraticClient> base = SimulationFixture.clients(5, 1, 0.3, 0, 3);
    Map<String, ClientApp> apps = new TreeMap<>(base);
    apps.put("c02", new FaultyClient(base.get("c02"), Fault.SLOW, Set.of()));
    ServerConfig c = SimulationFixture.config(1, 1.0, 5, 4);
    ServerConfig cfg =
        new ServerConfig(
            1,
            c.sampler(),
            4,
            Duration.ofMillis(1500),
            0,
            Double.POSITIVE_INFINITY,
            null,
            tmp.resolve("l.jsonl"));
    ServerState start = SimulationFixture.zeroState();
    long t0 = System.nanoTime();
    ServerState end;
    try (InMemoryGrid grid = SimulationFixture.grid(apps)) {
      end = new FederatedServer(grid, new FedAvg(), cfg).run(start);
    }
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(4.0);
    List<Reply> good = new ArrayList<>();
    for (String id : List.of("c00", "c01", "c03", "c04")) {
      good.add(base.get(id).fit(Instruction.fit(1, id, start.global(), Map.of())));
    }
    assertThat(end.global()).isEqualTo(FedAvg.weightedAverage(good));
    JsonNode slow = readLog(cfg.logFile()).get(0).get("clients").get(2);
    assertThat(slow.get("client").asText()).isEqualTo("c02");
    assertThat(slow.get("status").asText()).isEqualTo("TIMEOUT");
    assertThat(slow.get("bytesUp").asLong()).isZero();
  }

  /** Fails its first {@code failures} calls, then behaves. */
  static final class FlakyClient implements ClientApp {
    final ClientApp inner;
    final AtomicInteger left;

    FlakyClient(ClientApp inner, int failures) {
      this.inner = inner;
      this.left = new AtomicInteger(failures);
    }

    @Override
    public Reply fit(Instruction in) throws Exception {
      if (left.getAndDecrement() > 0) {
        throw new IllegalStateException("network down");
      }
      return inner.fit(in);
    }

    @Override
    public Reply evaluate(Instruction in) throws Exception {
      return inner.evaluate(in);
    }
  }

  @Test
  void tooFewRepliesRetriesThenSucceeds() throws IOException {
    Map<String, QuadraticClient> base = SimulationFixture.clients(3, 1, 0.3, 0, 4);
    Map<String, ClientApp> apps = new TreeMap<>(base);
    apps.put("c01", new FlakyClient(base.get("c01"), 1));
    ServerConfig cfg = SimulationFixture.withFiles(SimulationFixture.config(2, 1.0, 3, 3), tmp);
    try (InMemoryGrid grid = SimulationFixture.grid(apps)) {
      ServerState end =
          new FederatedServer(grid, new FedAvg(), cfg).run(SimulationFixture.zeroState());
      assertThat(end.round()).isEqualTo(2);
    }
    List<JsonNode> log = readLog(cfg.logFile());
    assertThat(log)
        .extracting(
            l ->
                l.get("round").asInt()
                    + "/"
                    + l.get("attempt").asInt()
                    + "/"
                    + l.get("status").asText())
        .containsExactly("1/0/retry", "1/1/ok", "2/0/ok");
  }

  @Test
  void tooFewRepliesAfterRetriesStopsWithAClearMessage() throws IOException {
    Map<String, QuadraticClient> base = SimulationFixture.clients(4, 1, 0.3, 0, 5);
    Map<String, ClientApp> apps = new TreeMap<>(base);
    apps.put("c00", new FaultyClient(base.get("c00"), Fault.THROW, Set.of(2)));
    apps.put("c03", new FaultyClient(base.get("c03"), Fault.ERROR_REPLY, Set.of(2)));
    ServerConfig c = SimulationFixture.config(3, 1.0, 4, 3);
    ServerConfig cfg =
        new ServerConfig(
            3,
            c.sampler(),
            3,
            c.roundDeadline(),
            2,
            Double.POSITIVE_INFINITY,
            tmp.resolve("ck"),
            tmp.resolve("log.jsonl"));
    try (InMemoryGrid grid = SimulationFixture.grid(apps)) {
      FederatedServer server = new FederatedServer(grid, new FedAvg(), cfg);
      assertThatThrownBy(() -> server.run(SimulationFixture.zeroState()))
          .isInstanceOf(FederatedRunException.class)
          .hasMessageContaining("round 2: fewer than minReplies=3 valid replies after 3 attempts")
          .hasMessageContaining("attempt 2: 2 valid of 4 sampled")
          .hasMessageContaining("c00 DROPPED (IllegalStateException: simulated dropout)")
          .hasMessageContaining("c03 CLIENT_ERROR (out of memory (simulated))")
          .hasMessageContaining("state of round 1 is kept")
          .satisfies(e -> assertThat(((FederatedRunException) e).round()).isEqualTo(2));
    }
    assertThat(new StateCheckpoint(cfg.checkpointDir()).load().orElseThrow().round()).isEqualTo(1);
    assertThat(readLog(cfg.logFile()))
        .extracting(l -> l.get("round").asInt() + "/" + l.get("status").asText())
        .containsExactly("1/ok", "2/retry", "2/retry", "2/stopped");
  }

  @Test
  void fedProxClientsMoveLessFromTheGlobalParameters() throws Exception {
    QuadraticClient c = SimulationFixture.clients(1, 10, 0.1, 0, 6).get("c00");
    ServerState s = SimulationFixture.zeroState();
    Instruction plain = new FedProx(0).configureRound(1, s, List.of("c00")).get(0);
    Instruction prox = new FedProx(5).configureRound(1, s, List.of("c00")).get(0);
    double dPlain = c.fit(plain).parameters().distance(s.global());
    double dProx = c.fit(prox).parameters().distance(s.global());
    assertThat(dProx).isLessThan(0.5 * dPlain);
  }
}
