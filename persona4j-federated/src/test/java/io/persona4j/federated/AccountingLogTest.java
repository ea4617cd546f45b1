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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The typed accounting log, the round listener and the server's stop messages. */
class AccountingLogTest {
  @TempDir Path tmp;

  @Test
  void recordsRoundTripThroughTheJsonlFile() throws IOException {
    AccountingLog log = new AccountingLog(tmp.resolve("sub/log.jsonl"));
    AccountingRecord.Round round =
        new AccountingRecord.Round(
            2,
            1,
            AccountingRecord.Status.OK,
            null,
            List.of("a", "b"),
            1,
            1,
            300,
            200,
            12.5,
            List.of(
                new AccountingRecord.Client("a", null, null, 150, 120, 3.5, 10L, 2.0),
                new AccountingRecord.Client(
                    "b", Failure.Kind.TIMEOUT, "late", 150, 80, 9.0, null, null)));
    AccountingRecord.Round unavailable =
        new AccountingRecord.Round(
            3,
            0,
            AccountingRecord.Status.STOPPED,
            "only 1 clients available",
            List.of(),
            0,
            0,
            0,
            0,
            0,
            List.of());
    log.append(round);
    log.append(new AccountingRecord.Resume(2));
    log.append(unavailable);
    assertThat(AccountingLog.read(log.file()))
        .containsExactly(round, new AccountingRecord.Resume(2), unavailable);
    assertThat(AccountingLog.okRounds(AccountingLog.read(log.file()))).containsExactly(round);
    assertThat(round.meanLoss()).isEqualTo(2.0); // the timed-out client's loss does not count
    assertThat(Files.readAllLines(log.file()).get(1))
        .isEqualTo("{\"event\":\"resume\",\"afterRound\":2}");
  }

  @Test
  void malformedLinesAreNamedByFileLineAndField() throws IOException {
    Path f = tmp.resolve("bad.jsonl");
    Files.writeString(f, "{\"round\":1,\"status\":\"ok\"}\n\n{\"round\":2,\"status\":\"maybe\"}\n");
    assertThatThrownBy(() -> AccountingLog.read(f))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad.jsonl: line 3: field 'status' = 'maybe'");
    Files.writeString(f, "{\"round\":\"x\",\"status\":\"ok\"}\n");
    assertThatThrownBy(() -> AccountingLog.read(f)).hasMessageContaining("line 1: field 'round'");
    Files.writeString(f, "not json\n");
    assertThatThrownBy(() -> AccountingLog.read(f)).hasMessageContaining("line 1: not JSON");
  }

  @Test
  void theListenerHearsEveryAttemptAfterItIsLogged() throws IOException {
    Map<String, QuadraticClient> base = SimulationFixture.clients(3, 1, 0.3, 0, 4);
    Map<String, ClientApp> apps = new TreeMap<>(base);
    QuadraticClient c02 = base.get("c02");
    apps.put(
        "c02",
        new ClientApp() {
          private int calls;

          @Override
          public Reply fit(Instruction in) throws Exception {
            if (calls++ == 0) {
              throw new IllegalStateException("first call fails");
            }
            return c02.fit(in);
          }

          @Override
          public Reply evaluate(Instruction in) throws Exception {
            return c02.evaluate(in);
          }
        });
    ServerConfig cfg = SimulationFixture.withFiles(SimulationFixture.config(2, 1.0, 3, 3), tmp);
    List<AccountingRecord> heard = new ArrayList<>();
    List<Integer> loggedLinesWhenHeard = new ArrayList<>();
    try (InMemoryGrid grid = SimulationFixture.grid(apps)) {
      new FederatedServer(
              grid,
              new FedAvg(),
              cfg,
              r -> {
                heard.add(r);
                try {
                  loggedLinesWhenHeard.add(Files.readAllLines(cfg.logFile()).size());
                } catch (IOException e) {
                  throw new AssertionError(e);
                }
              })
          .run(SimulationFixture.zeroState());
    }
    assertThat(heard).isEqualTo(AccountingLog.read(cfg.logFile()));
    assertThat(loggedLinesWhenHeard).containsExactly(1, 2, 3);
    AccountingRecord.Round retry = (AccountingRecord.Round) heard.get(0);
    assertThat(retry.status()).isEqualTo(AccountingRecord.Status.RETRY);
    assertThat(retry.clients())
        .filteredOn(c -> !c.ok())
        .extracting(AccountingRecord.Client::client, AccountingRecord.Client::failure)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("c02", Failure.Kind.DROPPED));
  }

  @Test
  void aRunThatNeverCompletedARoundClaimsNoCheckpointAndNamesTheLastReason() throws IOException {
    // two clients for a sampler that needs three: no attempt samples anyone, no round completes
    Map<String, QuadraticClient> clients = SimulationFixture.clients(2, 1, 0.3, 0, 8);
    ServerConfig cfg = SimulationFixture.withFiles(SimulationFixture.config(1, 0.5, 3, 1), tmp);
    try (InMemoryGrid grid = SimulationFixture.grid(clients)) {
      FederatedServer server = new FederatedServer(grid, new FedAvg(), cfg);
      assertThatThrownBy(() -> server.run(SimulationFixture.zeroState()))
          .isInstanceOf(FederatedRunException.class)
          .hasMessageContaining("the last attempt sampled no client: only 2 clients available")
          .hasMessageContaining("no round completed, so there is no checkpoint to resume from")
          .hasMessageNotContaining("last failures")
          .hasMessageNotContaining("a rerun resumes");
    }
    assertThat(new StateCheckpoint(cfg.checkpointDir()).load()).isEmpty();
  }
}
