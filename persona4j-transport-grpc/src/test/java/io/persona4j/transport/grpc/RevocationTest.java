/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.persona4j.federated.AccountingRecord;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.strategy.FedAvg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation on a running server: editing the tokens file mid-run revokes a client at once — its
 * connection is closed, its pending instruction fails immediately (the round does not wait for its
 * deadline), it is refused when it tries again, and the run goes on without it.
 */
class RevocationTest {

  /** Test tokens file: one {@code id=token} per line. */
  private static Map<String, String> read(Path file) throws java.io.IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        String[] kv = line.split("=", 2);
        out.put(kv[0], kv[1]);
      }
    }
    return out;
  }

  private static void write(Path file, String... ids) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    for (String id : ids) {
      b.append(id).append('=').append(GridHarness.token(id)).append('\n');
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".new");
    Files.writeString(tmp, b);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void removingAClientFromTheTokensFileRevokesItMidRound(@TempDir Path dir) throws Exception {
    Path tokens = dir.resolve("tokens");
    write(tokens, "alice", "bob", "carol");
    CountDownLatch carolTraining = new CountDownLatch(1);
    ClientApp slowCarol =
        new ClientApp() {
          final QuadraticApp inner = new QuadraticApp("carol", 3);

          @Override
          public Reply fit(Instruction in) throws Exception {
            if (in.round() == 2) {
              carolTraining.countDown();
              Thread.sleep(60_000); // the deadline is 60 s: only revocation ends this early
            }
            return inner.fit(in);
          }

          @Override
          public Reply evaluate(Instruction in) {
            return inner.evaluate(in);
          }
        };
    try (GridHarness h = new GridHarness();
        TokensFileWatcher watcher =
            TokensFileWatcher.start(h.grid, tokens, RevocationTest::read, Duration.ofMillis(100))) {
      h.grid.syncClients(read(tokens));
      GrpcClient alice = h.start("alice", GridHarness.token("alice"), new QuadraticApp("alice", 1));
      GrpcClient bob = h.start("bob", GridHarness.token("bob"), new QuadraticApp("bob", 2));
      GrpcClient carol = h.start("carol", GridHarness.token("carol"), slowCarol);
      h.awaitClients(List.of("alice", "bob", "carol"));

      Thread revoker =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      carolTraining.await();
                      write(tokens, "alice", "bob"); // carol removed while she trains
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
      List<AccountingRecord.Round> rounds = new ArrayList<>();
      List<Double> seconds = new ArrayList<>();
      long[] t = {System.nanoTime()};
      ServerConfig cfg =
          ServerConfig.builder()
              .setRounds(4)
              .setSampler(new ClientSampler(1.0, 2, 5))
              .optMinReplies(2)
              .optRoundDeadline(Duration.ofSeconds(60))
              .build();
      ServerState end =
          new FederatedServer(
                  h.grid,
                  new FedAvg(),
                  cfg,
                  r -> {
                    if (r instanceof AccountingRecord.Round round) {
                      rounds.add(round);
                      seconds.add((System.nanoTime() - t[0]) / 1e9);
                      t[0] = System.nanoTime();
                    }
                  })
              .run(ServerState.initial(QuadraticApp.layout(new float[8])));
      revoker.join();

      assertThat(end.round()).isEqualTo(4);
      AccountingRecord.Round second = rounds.get(1);
      assertThat(second.round()).isEqualTo(2);
      assertThat(second.sampled()).containsExactly("alice", "bob", "carol");
      assertThat(second.clients())
          .filteredOn(c -> c.client().equals("carol"))
          .singleElement()
          .satisfies(c -> assertThat(c.reason()).contains("revoked"));
      assertThat(seconds.get(1)).as("round 2 ended at the revocation").isLessThan(15);
      for (AccountingRecord.Round r : rounds.subList(2, rounds.size())) {
        assertThat(r.sampled()).containsExactly("alice", "bob");
      }
      assertThat(carol.awaitStopped(Duration.ofSeconds(10))).isTrue();
      assertThat(carol.refusal())
          .hasValueSatisfying(
              s -> assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertThat(alice.isConnected()).isTrue();
      assertThat(bob.isConnected()).isTrue();
      assertThat(h.events.of("clients"))
          .anySatisfy(e -> assertThat(e.line()).contains("revoked [carol]"));
      Figures.record(
          String.format(
              java.util.Locale.ROOT,
              "revocation: round 2 ended %.2f s after it began, carol revoked mid-round (deadline"
                  + " 60 s)",
              seconds.get(1)));
    }
  }

  @Test
  void anInvalidEditKeepsThePreviousClients(@TempDir Path dir) throws Exception {
    Path tokens = dir.resolve("tokens");
    write(tokens, "alice");
    try (GridHarness h = new GridHarness();
        TokensFileWatcher watcher =
            TokensFileWatcher.start(h.grid, tokens, RevocationTest::read, Duration.ofHours(1))) {
      h.grid.syncClients(read(tokens));
      h.start("alice", GridHarness.token("alice"), TestApps.echo());
      h.awaitClients(List.of("alice"));
      Files.writeString(tokens, "alice=short\n"); // a token under 8 characters: invalid
      assertThat(watcher.poll()).isFalse();
      assertThat(h.grid.clients()).containsExactly("alice");
      assertThat(h.events.of("clients"))
          .anySatisfy(e -> assertThat(e.line()).contains("keeping the previous clients"));
    }
  }
}
