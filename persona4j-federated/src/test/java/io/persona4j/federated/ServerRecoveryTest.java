/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smaller findings of the hostile-client probe: a client killed mid-round gets to rejoin the
 * retry (reconnection grace), stale temporary files of an interrupted checkpoint write are removed
 * at start, and the round line is only heard once the round's checkpoint is committed.
 */
class ServerRecoveryTest {

  @TempDir Path tmp;

  /**
   * A grid whose client {@code c02} dies in round 2 (its reply is a DROPPED failure and it leaves
   * {@link #clients()}) and is back {@code downMillis} later, as a killed and restarted process.
   */
  private static final class RestartingGrid implements Grid {
    final InMemoryGrid inner;
    final long downMillis;
    volatile long backAt = Long.MIN_VALUE;
    volatile boolean killed;

    RestartingGrid(InMemoryGrid inner, long downMillis) {
      this.inner = inner;
      this.downMillis = downMillis;
    }

    @Override
    public List<String> clients() {
      List<String> all = new ArrayList<>(inner.clients());
      if (System.nanoTime() < backAt) {
        all.remove("c02");
      }
      return all;
    }

    @Override
    public RoundResult send(List<Instruction> instructions, Duration deadline) {
      RoundResult r = inner.send(instructions, deadline);
      if (!killed && instructions.get(0).round() == 2) {
        killed = true;
        backAt = System.nanoTime() + downMillis * 1_000_000L;
        List<Reply> replies = new ArrayList<>(r.replies());
        replies.removeIf(x -> x.clientId().equals("c02"));
        List<Failure> failures = new ArrayList<>(r.failures());
        failures.add(new Failure("c02", Failure.Kind.DROPPED, "connection lost (killed)"));
        return new RoundResult(replies, failures, r.stats());
      }
      return r;
    }
  }

  private static ServerConfig allClients(Duration grace) {
    return ServerConfig.builder()
        .setRounds(3)
        .setSampler(new ClientSampler(1.0, 3, 1))
        .optMinReplies(3)
        .optMaxRetries(1)
        .optReconnectGrace(grace)
        .build();
  }

  @Test
  void aClientKilledMidRoundRejoinsTheRetryWithinTheGrace() throws IOException {
    Map<String, QuadraticClient> apps = SimulationFixture.clients(3, 2, 0.3, 0, 5);
    try (InMemoryGrid inner = SimulationFixture.grid(apps)) {
      // without grace (the behaviour before): the retry finds 2 of 3 clients and the run stops
      assertThatThrownBy(
              () ->
                  new FederatedServer(
                          new RestartingGrid(inner, 500), new FedAvg(), allClients(Duration.ZERO))
                      .run(SimulationFixture.zeroState()))
          .isInstanceOf(FederatedRunException.class)
          .hasMessageContaining("only 2 clients available, the sampler needs 3");
      // with grace: the retry waits for the restarted client and the run completes
      List<AccountingRecord> heard = new ArrayList<>();
      ServerState end =
          new FederatedServer(
                  new RestartingGrid(inner, 500),
                  new FedAvg(),
                  allClients(Duration.ofSeconds(30)),
                  heard::add)
              .run(SimulationFixture.zeroState());
      assertThat(end.round()).isEqualTo(3);
      AccountingRecord.Round retry = (AccountingRecord.Round) heard.get(2);
      assertThat(retry.round()).isEqualTo(2);
      assertThat(retry.attempt()).isEqualTo(1);
      assertThat(retry.sampled()).containsExactly("c00", "c01", "c02");
    }
  }

  @Test
  void staleTemporaryFilesAreRemovedAtStart() throws IOException {
    ServerConfig cfg = SimulationFixture.withFiles(SimulationFixture.config(1, 1.0, 2, 2), tmp);
    Path ckpt = cfg.checkpointDir();
    Files.createDirectories(ckpt);
    Path staleJson = ckpt.resolve(".state.json.8312739.tmp");
    Path staleBin = ckpt.resolve(".state-000003.bin.77.tmp");
    Path users = ckpt.resolve("notes.tmp"); // not ours: kept
    Files.writeString(staleJson, "{\"round\": 3");
    Files.write(staleBin, new byte[100]);
    Files.writeString(users, "mine");
    try (InMemoryGrid grid = SimulationFixture.grid(SimulationFixture.clients(2, 1, 0.3, 0, 2))) {
      new FederatedServer(grid, new FedAvg(), cfg).run(SimulationFixture.zeroState());
    }
    assertThat(staleJson).doesNotExist();
    assertThat(staleBin).doesNotExist();
    assertThat(users).exists();
    try (var files = Files.list(ckpt)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith(".") && n.endsWith(".tmp"));
    }
  }

  @Test
  void theRoundIsReportedOnlyAfterItsCheckpointIsCommitted() throws IOException {
    ServerConfig cfg = SimulationFixture.withFiles(SimulationFixture.config(3, 1.0, 2, 2), tmp);
    StateCheckpoint checkpoint = new StateCheckpoint(cfg.checkpointDir());
    List<Integer> committedWhenHeard = new ArrayList<>();
    List<Integer> roundsHeard = new ArrayList<>();
    try (InMemoryGrid grid = SimulationFixture.grid(SimulationFixture.clients(2, 1, 0.3, 0, 2))) {
      new FederatedServer(
              grid,
              new FedAvg(),
              cfg,
              r -> {
                if (r instanceof AccountingRecord.Round round
                    && round.status() == AccountingRecord.Status.OK) {
                  roundsHeard.add(round.round());
                  try {
                    committedWhenHeard.add(checkpoint.load().orElseThrow().round());
                  } catch (IOException e) {
                    throw new AssertionError(e);
                  }
                }
              })
          .run(SimulationFixture.zeroState());
    }
    assertThat(roundsHeard).containsExactly(1, 2, 3);
    assertThat(committedWhenHeard).isEqualTo(roundsHeard);
  }
}
