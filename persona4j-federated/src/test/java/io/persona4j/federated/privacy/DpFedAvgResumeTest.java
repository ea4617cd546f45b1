/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.Failure;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.StateCheckpoint;
import io.persona4j.federated.Strategy;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.privacy.RandomSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resumed DP-FedAvg run continues the accountant and the adaptive clip from the checkpoint. */
class DpFedAvgResumeTest {

  private static final int D = 6;
  private static final int ROUNDS = 4;

  @TempDir Path tmp;

  /** Crashes when aggregating {@code crashRound}, like a killed server; forwards the state. */
  record Crashing(Strategy inner, int crashRound) implements Strategy {
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
    public Set<String> requiredMetrics() {
      return inner.requiredMetrics();
    }

    @Override
    public String checkpointState() {
      return inner.checkpointState();
    }

    @Override
    public void restoreState(String state) {
      inner.restoreState(state);
    }
  }

  private static Map<String, ClientApp> clients() {
    Map<String, ClientApp> apps = new TreeMap<>();
    for (int i = 0; i < 6; i++) {
      float[] d = new float[D];
      java.util.Arrays.fill(d, i % 2 == 0 ? 10f : 0.01f); // half beyond the clip, half inside
      apps.put("c" + i, new ClippingClient(new ShiftClient(d, 1 + i)));
    }
    return apps;
  }

  private static DpFedAvg strategy() {
    DpConfig cfg =
        DpConfig.builder()
            .setClipNorm(1.0)
            .setNoiseMultiplier(1.1)
            .setPopulation(6)
            .setDelta(1e-5)
            .optAdaptive(new DpConfig.AdaptiveClip(0.5, 0.2, 1.0))
            .build();
    return new DpFedAvg(new FedAvg(), cfg, RandomSource.deterministicForTesting(3));
  }

  private ServerConfig config(Path dir) {
    ServerConfig c =
        new ServerConfig(
            ROUNDS,
            new ClientSampler(0.5, 3, 17),
            2,
            Duration.ofSeconds(20),
            0,
            Double.POSITIVE_INFINITY,
            null,
            null);
    return dir == null
        ? c
        : c.toBuilder()
            .optCheckpointDir(dir.resolve("ckpt"))
            .optLogFile(dir.resolve("log.jsonl"))
            .build();
  }

  private static ServerState start() {
    return ServerState.initial(ShiftClient.layout(new float[D]));
  }

  @Test
  void resumedRunContinuesTheAccountantAndTheAdaptiveClip() throws Exception {
    DpFedAvg uninterrupted = strategy();
    try (InMemoryGrid grid = new InMemoryGrid(clients(), 2)) {
      new FederatedServer(grid, uninterrupted, config(null)).run(start());
    }

    Path dir = tmp.resolve("run");
    try (InMemoryGrid grid = new InMemoryGrid(clients(), 2)) {
      FederatedServer crashing =
          new FederatedServer(grid, new Crashing(strategy(), 3), config(dir));
      assertThatThrownBy(() -> crashing.run(start())).hasMessageContaining("simulated crash");
    }
    DpFedAvg resumed = strategy();
    try (InMemoryGrid grid = new InMemoryGrid(clients(), 2)) {
      new FederatedServer(grid, resumed, config(dir)).run(start());
    }

    List<RoundPrivacy> a = uninterrupted.history();
    List<RoundPrivacy> b = resumed.history();
    assertThat(b).hasSize(ROUNDS);
    for (int i = 0; i < ROUNDS; i++) {
      assertThat(b.get(i).round()).isEqualTo(i + 1);
      assertThat(b.get(i).samplingRate()).isEqualTo(a.get(i).samplingRate());
      assertThat(b.get(i).noiseMultiplier()).isEqualTo(a.get(i).noiseMultiplier());
      assertThat(b.get(i).epsilon()).isEqualTo(a.get(i).epsilon());
    }
    // round 3's clip is the adaptive clip after round 2, restored from the checkpoint
    assertThat(b.get(1).clipNorm()).isEqualTo(a.get(1).clipNorm());
    assertThat(b.get(2).clipNorm()).isEqualTo(a.get(2).clipNorm()).isNotEqualTo(1.0);
    assertThat(resumed.epsilon()).isEqualTo(uninterrupted.epsilon()).isGreaterThan(0);
    // a fresh accountant over only the resumed rounds would report less: the check can fail
    DpFedAvg onlyLastRounds = strategy();
    try (InMemoryGrid grid = new InMemoryGrid(clients(), 2)) {
      new FederatedServer(grid, onlyLastRounds, config(null).toBuilder().setRounds(2).build())
          .run(start());
    }
    assertThat(onlyLastRounds.epsilon()).isLessThan(resumed.epsilon());
  }

  @Test
  void stateRoundTripsAndBadStateIsRejected() throws Exception {
    DpFedAvg dp = strategy();
    try (InMemoryGrid grid = new InMemoryGrid(clients(), 2)) {
      new FederatedServer(grid, dp, config(null).toBuilder().setRounds(2).build()).run(start());
    }
    String saved = dp.checkpointState();
    DpFedAvg copy = strategy();
    copy.restoreState(saved);
    assertThat(copy.history()).isEqualTo(dp.history());
    assertThat(copy.epsilon()).isEqualTo(dp.epsilon());
    assertThat(copy.clipNorm()).isEqualTo(dp.clipNorm());
    assertThat(copy.checkpointState()).isEqualTo(saved);

    assertThatThrownBy(() -> strategy().restoreState("{\"format\":\"other\"}"))
        .hasMessageContaining("persona4j-dp-fedavg-state");
    assertThatThrownBy(() -> strategy().restoreState(saved.replace("\"q\":0.5", "\"q\":\"x\"")))
        .hasMessageContaining("'q'");
    assertThatThrownBy(() -> new FedAvg().restoreState(saved))
        .hasMessageContaining("keeps no state");
    assertThatThrownBy(() -> copy.restoreState(saved)).hasMessageContaining("already ran");

    // the checkpoint stores the strategy state under its SHA-256
    StateCheckpoint ckpt = new StateCheckpoint(tmp.resolve("c"));
    ckpt.save(start(), saved);
    assertThat(ckpt.loadSaved().orElseThrow().strategyState()).isEqualTo(saved);
  }
}
