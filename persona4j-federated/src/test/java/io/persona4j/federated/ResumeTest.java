/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.federated.strategy.FellRec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeTest {

  @TempDir Path tmp;

  /** Delegates to a strategy but crashes (like a killed process) when aggregating one round. */
  record CrashingStrategy(Strategy inner, int crashRound) implements Strategy {
    @Override
    public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
      return inner.configureRound(round, state, sampled);
    }

    @Override
    public ServerState aggregate(
        int round, List<Reply> replies, List<Failure> failures, ServerState state) {
      if (round == crashRound) {
        throw new IllegalStateException("simulated crash in round " + round);
      }
      return inner.aggregate(round, replies, failures, state);
    }

    @Override
    public java.util.Set<String> requiredMetrics() {
      return inner.requiredMetrics();
    }
  }

  private ServerState run(Supplier<Strategy> strategy, Path dir, int crashRound)
      throws IOException {
    Map<String, QuadraticClient> clients = SimulationFixture.clients(10, 3, 0.1, 0.2, 9);
    ServerConfig cfg = SimulationFixture.config(6, 0.5, 3, 3);
    if (dir != null) {
      cfg = SimulationFixture.withFiles(cfg, dir);
    }
    Strategy s = crashRound > 0 ? new CrashingStrategy(strategy.get(), crashRound) : strategy.get();
    try (InMemoryGrid grid = SimulationFixture.grid(clients)) {
      return new FederatedServer(grid, s, cfg).run(SimulationFixture.zeroState());
    }
  }

  private void crashThenResumeEqualsUninterrupted(Supplier<Strategy> strategy) throws IOException {
    ServerState uninterrupted = run(strategy, null, 0);
    assertThat(uninterrupted.round()).isEqualTo(6);
    assertThatThrownBy(() -> run(strategy, tmp, 4))
        .hasMessageContaining("simulated crash in round 4");
    assertThat(new StateCheckpoint(tmp.resolve("ckpt")).load().orElseThrow().round()).isEqualTo(3);
    ServerState resumed = run(strategy, tmp, 0);
    assertThat(resumed).isEqualTo(uninterrupted);
    List<String> log = Files.readAllLines(tmp.resolve("log.jsonl"));
    assertThat(
            log.stream().filter(l -> l.contains("\"event\":\"resume\",\"afterRound\":3")).count())
        .isEqualTo(1);
    // rounds 1-3 from the crashed run, 4-6 after the resume: no round is run twice
    List<Integer> okRounds = new java.util.ArrayList<>();
    for (String l : log) {
      if (l.contains("\"status\":\"ok\"")) {
        okRounds.add(Integer.parseInt(l.replaceAll("^\\{\"round\":(\\d+),.*$", "$1")));
      }
    }
    assertThat(okRounds).containsExactly(1, 2, 3, 4, 5, 6);
    // running again after completion does nothing and returns the same state
    assertThat(run(strategy, tmp, 0)).isEqualTo(uninterrupted);
  }

  @Test
  void fedAvgResumeAfterCrashGivesTheUninterruptedResult() throws IOException {
    crashThenResumeEqualsUninterrupted(FedAvg::new);
  }

  @Test
  void fellRecResumeKeepsPersonalizedState() throws IOException {
    crashThenResumeEqualsUninterrupted(FellRec::new);
    ServerState end = new StateCheckpoint(tmp.resolve("ckpt")).load().orElseThrow();
    assertThat(end.personalized()).isNotEmpty();
    // personalization: at least two clients hold different parameters
    assertThat(end.personalized().values().stream().distinct().count()).isGreaterThan(1);
  }
}
