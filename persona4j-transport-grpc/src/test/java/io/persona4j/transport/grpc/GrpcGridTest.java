/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Failure;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class GrpcGridTest {

  private static final ParameterSet START =
      QuadraticApp.layout(new float[] {0.5f, -1f, 2f, 0f, 3f, -0.25f, 1f, 7f});

  private static Map<String, QuadraticApp> apps() {
    Map<String, QuadraticApp> apps = new TreeMap<>();
    for (int i = 0; i < 3; i++) {
      apps.put("c" + i, new QuadraticApp("c" + i, 100 + i));
    }
    return apps;
  }

  private static List<Instruction> fitAll(int round, List<String> ids) {
    List<Instruction> ins = new ArrayList<>();
    for (String id : ids) {
      ins.add(
          Instruction.fit(
              round,
              id,
              START,
              Map.of("lr", 0.2, "steps", 3, "big", 5L, "f", 0.5f, "tag", "x", "on", true)));
    }
    return ins;
  }

  private static ParameterSet fedAvg(List<Reply> replies) {
    double total = replies.stream().mapToLong(Reply::numExamples).sum();
    double[] w = replies.stream().mapToDouble(r -> r.numExamples() / total).toArray();
    return ParameterSet.weightedSum(replies.stream().map(Reply::parameters).toList(), w);
  }

  @Test
  void threeClientsGiveExactlyTheRepliesOfInMemoryGrid() throws Exception {
    Map<String, QuadraticApp> remote = apps();
    RoundResult expected;
    RoundResult expectedEval;
    try (InMemoryGrid mem = new InMemoryGrid(apps(), 4)) {
      expected = mem.send(fitAll(1, mem.clients()), Duration.ofSeconds(10));
      expectedEval =
          mem.send(
              List.of(new Instruction(Instruction.Task.EVALUATE, 2, "c1", START, Map.of())),
              Duration.ofSeconds(10));
    }
    try (GridHarness h = new GridHarness()) {
      for (Map.Entry<String, QuadraticApp> e : remote.entrySet()) {
        h.connect(e.getKey(), e.getValue());
      }
      assertThat(h.grid.clients()).containsExactly("c0", "c1", "c2");
      List<Instruction> ins = fitAll(1, h.grid.clients());
      RoundResult got = h.grid.send(ins, Duration.ofSeconds(10));
      assertThat(got.failures()).isEmpty();
      assertThat(got.replies()).hasSize(3).isEqualTo(expected.replies());
      assertThat(fedAvg(got.replies())).isEqualTo(fedAvg(expected.replies()));
      // the instruction arrives exactly as sent, config value types included
      assertThat(remote.get("c2").lastInstruction).isEqualTo(ins.get(2));
      assertThat(remote.get("c2").lastInstruction.config().get("big")).isInstanceOf(Long.class);
      assertThat(remote.get("c2").lastInstruction.config().get("f")).isInstanceOf(Float.class);
      // bytes: at least the float data each way, at most the data plus small framing
      long data = 4 * START.numElements();
      assertThat(got.stats()).extracting(ClientStats::clientId).containsExactly("c0", "c1", "c2");
      for (ClientStats s : got.stats()) {
        assertThat(s.bytesDown()).isGreaterThan(data).isLessThan(data + 400);
        assertThat(s.bytesUp()).isGreaterThan(data).isLessThan(data + 400);
        assertThat(s.localNanos()).isPositive();
      }
      RoundResult eval =
          h.grid.send(
              List.of(new Instruction(Instruction.Task.EVALUATE, 2, "c1", START, Map.of())),
              Duration.ofSeconds(10));
      assertThat(eval.replies()).isEqualTo(expectedEval.replies());
      assertThat(eval.replies().get(0).parameters().size()).isZero();
    }
  }

  @Test
  void twentyMegabyteParameterSetRoundTripsBitExactly() throws Exception {
    int n = 5_000_000;
    float[] big = new float[n];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    for (int i = 0; i < n; i++) {
      big[i] = Float.intBitsToFloat(rnd.nextInt()); // every bit pattern, NaNs included
    }
    big[0] = -0.0f;
    big[1] = Float.MIN_VALUE;
    big[2] = Float.NEGATIVE_INFINITY;
    ParameterSet p =
        ParameterSet.builder()
            .add("big", new int[] {1000, 5000}, big)
            .add("small", new int[] {3}, new float[] {1, 2, 3})
            .build();
    float[][] received = new float[1][];
    ClientApp app =
        TestApps.fit(
            in -> {
              received[0] = in.parameters().values("big");
              return Reply.ok(in, in.parameters(), 1, Map.of());
            });
    try (GridHarness h = new GridHarness()) {
      h.connect("big", app);
      RoundResult r =
          h.grid.send(List.of(Instruction.fit(1, "big", p, Map.of())), Duration.ofSeconds(60));
      assertThat(r.failures()).isEmpty();
      ParameterSet back = r.replies().get(0).parameters();
      assertThat(back.specs()).isEqualTo(p.specs());
      float[] got = back.values("big");
      for (int i = 0; i < n; i++) {
        if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(big[i])
            || Float.floatToRawIntBits(received[0][i]) != Float.floatToRawIntBits(big[i])) {
          throw new AssertionError("value " + i + " changed");
        }
      }
      assertThat(back.values("small")).containsExactly(1, 2, 3);
      assertThat(r.stats().get(0).bytesDown()).isGreaterThan(20_000_000L).isLessThan(20_010_000L);
      assertThat(r.stats().get(0).bytesUp()).isGreaterThan(20_000_000L).isLessThan(20_010_000L);
    }
  }

  @Test
  void wrongTokenUnknownAndRevokedClientsAreRefused() throws Exception {
    try (GridHarness h = new GridHarness()) {
      h.connect("good", TestApps.echo());
      h.registry.register("victim", GridHarness.token("victim"));
      GrpcClient wrong = h.start("victim", "not-the-token", TestApps.echo());
      GrpcClient stranger = h.start("stranger", "whatever-token", TestApps.echo());
      assertThat(wrong.awaitStopped(Duration.ofSeconds(10))).isTrue();
      assertThat(stranger.awaitStopped(Duration.ofSeconds(10))).isTrue();
      assertThat(wrong.refusal().orElseThrow().getCode())
          .isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
      assertThat(stranger.refusal().orElseThrow().getCode())
          .isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
      assertThat(wrong.isConnected()).isFalse();
      assertThat(h.grid.clients()).containsExactly("good");

      GrpcClient revoked = h.connect("revoked", TestApps.echo());
      h.awaitClients(List.of("good", "revoked"));
      h.grid.revoke("revoked");
      assertThat(revoked.awaitStopped(Duration.ofSeconds(10))).isTrue();
      assertThat(revoked.refusal().orElseThrow().getCode())
          .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
      assertThat(h.grid.clients()).containsExactly("good");
      // a fresh connection with the right token is refused too
      GrpcClient again = h.start("revoked", GridHarness.token("revoked"), TestApps.echo());
      assertThat(again.awaitStopped(Duration.ofSeconds(10))).isTrue();
      assertThat(again.refusal().orElseThrow().getCode())
          .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);

      RoundResult r =
          h.grid.send(
              fitAll(1, List.of("good", "victim", "revoked", "ghost")), Duration.ofSeconds(5));
      assertThat(r.replies()).extracting(Reply::clientId).containsExactly("good");
      assertThat(r.failures())
          .extracting(Failure::clientId, Failure::kind)
          .containsExactly(
              tuple("victim", Failure.Kind.DROPPED),
              tuple("revoked", Failure.Kind.UNKNOWN_CLIENT),
              tuple("ghost", Failure.Kind.UNKNOWN_CLIENT));
      assertThat(r.failures().get(0).reason()).contains("not connected");
    }
  }

  @Test
  void disconnectMidRoundIsDroppedAndTheRoundCompletes() throws Exception {
    try (GridHarness h = new GridHarness()) {
      CountDownLatch started = new CountDownLatch(1);
      h.connect("a", TestApps.echo());
      GrpcClient quitter = h.connect("quitter", TestApps.sleeper(30_000, started));
      h.connect("b", TestApps.echo());
      Thread closer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      started.await();
                      quitter.close();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      long t0 = System.nanoTime();
      RoundResult r = h.grid.send(fitAll(1, List.of("a", "quitter", "b")), Duration.ofSeconds(20));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      closer.join();
      assertThat(ms).isLessThan(5_000);
      assertThat(r.replies()).extracting(Reply::clientId).containsExactly("a", "b");
      assertThat(r.failures())
          .extracting(Failure::clientId, Failure::kind)
          .containsExactly(tuple("quitter", Failure.Kind.DROPPED));
      assertThat(r.failures().get(0).reason()).contains("connection lost");
      h.awaitClients(List.of("a", "b"));
    }
  }

  @Test
  void slowClientTimesOutAndIsCancelled() throws Exception {
    try (GridHarness h = new GridHarness()) {
      CountDownLatch started = new CountDownLatch(1);
      h.connect("fast", TestApps.echo());
      h.connect("slow", TestApps.sleeper(10_000, started));
      long t0 = System.nanoTime();
      RoundResult r = h.grid.send(fitAll(1, List.of("fast", "slow")), Duration.ofMillis(700));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).isBetween(600L, 3_000L);
      assertThat(r.replies()).extracting(Reply::clientId).containsExactly("fast");
      assertThat(r.failures())
          .extracting(Failure::clientId, Failure::kind)
          .containsExactly(tuple("slow", Failure.Kind.TIMEOUT));
      assertThat(r.stats().get(1).bytesUp()).isZero();
      assertThat(r.stats().get(1).localNanos()).isGreaterThanOrEqualTo(600_000_000L);
      // the straggler stays connected and the next round works for the others
      assertThat(h.grid.clients()).containsExactly("fast", "slow");
      RoundResult next = h.grid.send(fitAll(2, List.of("fast")), Duration.ofSeconds(5));
      assertThat(next.replies()).extracting(Reply::round).containsExactly(2);
    }
  }

  @Test
  void throwingErrorAndImpostorRepliesMapLikeInMemoryGrid() throws Exception {
    ClientApp thrower =
        TestApps.fit(
            in -> {
              throw new IllegalStateException("simulated dropout");
            });
    ClientApp errorer = TestApps.fit(in -> Reply.error(in, "out of memory (simulated)"));
    ClientApp impostor =
        TestApps.fit(
            in -> new Reply("someone-else", in.round(), in.parameters(), 1, Map.of(), null));
    try (GridHarness h = new GridHarness()) {
      h.connect("thrower", thrower);
      h.connect("errorer", errorer);
      h.connect("impostor", impostor);
      RoundResult r =
          h.grid.send(fitAll(1, List.of("thrower", "errorer", "impostor")), Duration.ofSeconds(5));
      assertThat(r.replies())
          .extracting(Reply::clientId, Reply::error)
          .containsExactly(tuple("errorer", "out of memory (simulated)"));
      assertThat(r.failures())
          .extracting(Failure::clientId, Failure::kind)
          .containsExactly(
              tuple("thrower", Failure.Kind.DROPPED),
              tuple("impostor", Failure.Kind.INVALID_REPLY));
      assertThat(r.failures().get(0).reason())
          .isEqualTo("IllegalStateException: simulated dropout");
      assertThat(r.failures().get(1).reason()).contains("named another client");
      assertThatThrownBy(
              () -> h.grid.send(fitAll(1, List.of("errorer", "errorer")), Duration.ofSeconds(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("two instructions");
    }
  }

  @Test
  void federatedServerRunsTwoFedAvgRoundsLikeInMemoryGrid() throws Exception {
    ServerConfig cfg =
        new ServerConfig(
            2,
            new ClientSampler(1.0, 3, 11),
            3,
            Duration.ofSeconds(20),
            0,
            Double.POSITIVE_INFINITY,
            null,
            null);
    ServerState initial = ServerState.initial(START);
    ServerState expected;
    try (InMemoryGrid mem = new InMemoryGrid(apps(), 4)) {
      expected = new FederatedServer(mem, new FedAvg(), cfg).run(initial);
    }
    try (GridHarness h = new GridHarness()) {
      for (Map.Entry<String, QuadraticApp> e : apps().entrySet()) {
        h.connect(e.getKey(), e.getValue());
      }
      ServerState end = new FederatedServer(h.grid, new FedAvg(), cfg).run(initial);
      assertThat(end.round()).isEqualTo(2);
      assertThat(end.global()).isEqualTo(expected.global());
      assertThat(end.global()).isNotEqualTo(START);
    }
  }

  @Test
  void clientReconnectsWithBackoffWhenTheServerStartsLater() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ClientRegistry registry = new ClientRegistry().register("late", GridHarness.token("late"));
    GrpcClient client =
        GrpcClient.start(
            GrpcClientConfig.builder()
                .setHost("127.0.0.1")
                .setPort(port)
                .setClientId("late")
                .setToken(GridHarness.token("late"))
                .optBackoff(GridHarness.FAST)
                .build(),
            io.grpc.InsecureChannelCredentials.create(),
            TestApps.echo());
    try {
      long end = System.nanoTime() + 10_000_000_000L; // polls: a loaded machine retries slower
      while (client.connectAttempts() < 2 && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      assertThat(client.isConnected()).isFalse();
      assertThat(client.connectAttempts()).isGreaterThanOrEqualTo(2);
      try (GrpcGrid grid =
          GrpcGrid.start(
              GrpcGridConfig.loopback(port),
              registry,
              io.grpc.InsecureServerCredentials.create())) {
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        RoundResult r = grid.send(fitAll(1, List.of("late")), Duration.ofSeconds(5));
        assertThat(r.replies()).hasSize(1);
      }
    } finally {
      client.close();
    }
  }

  @Test
  void connectedClientReconnectsAfterAServerRestart() throws Exception {
    ClientRegistry registry = new ClientRegistry().register("c", GridHarness.token("c"));
    GrpcGrid first =
        GrpcGrid.start(
            GrpcGridConfig.loopback(0), registry, io.grpc.InsecureServerCredentials.create());
    int port = first.port();
    GrpcClient client =
        GrpcClient.start(
            GrpcClientConfig.builder()
                .setHost("127.0.0.1")
                .setPort(port)
                .setClientId("c")
                .setToken(GridHarness.token("c"))
                .optBackoff(GridHarness.FAST)
                .build(),
            io.grpc.InsecureChannelCredentials.create(),
            TestApps.echo());
    try {
      assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
      // Counted while connected to the first server: once it is gone the client may already be in
      // its next attempt (counted at its start) when the second server comes up.
      int attemptsBefore = client.connectAttempts();
      first.close();
      long end = System.nanoTime() + 5_000_000_000L;
      while (client.isConnected() && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      assertThat(client.isConnected()).isFalse();
      try (GrpcGrid second =
          GrpcGrid.start(
              GrpcGridConfig.loopback(port),
              registry,
              io.grpc.InsecureServerCredentials.create())) {
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(client.connectAttempts()).isGreaterThan(attemptsBefore);
        assertThat(second.clients()).containsExactly("c");
        assertThat(second.send(fitAll(1, List.of("c")), Duration.ofSeconds(5)).replies())
            .hasSize(1);
      }
    } finally {
      client.close();
    }
  }

  @Test
  void finishStopsClientsInsteadOfReconnecting() throws Exception {
    try (GridHarness h = new GridHarness()) {
      GrpcClient a = h.connect("a", TestApps.echo());
      assertThat(a.finished()).isFalse();
      h.grid.finish();
      assertThat(a.awaitStopped(Duration.ofSeconds(10))).isTrue();
      assertThat(a.finished()).isTrue();
      assertThat(a.refusal()).isEmpty();
      assertThat(a.connectAttempts()).isEqualTo(1);
    }
  }
}
