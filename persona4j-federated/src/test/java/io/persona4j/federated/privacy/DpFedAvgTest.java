/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.dp.RdpAccountant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DpFedAvgTest {

  private static final int D = 10;

  private static ServerConfig config(int rounds, double fraction) {
    return new ServerConfig(
        rounds,
        new ClientSampler(fraction, 1, 5),
        1,
        Duration.ofSeconds(20),
        0,
        Double.POSITIVE_INFINITY,
        null,
        null);
  }

  private static float[] randomVector(Random rnd, double scale) {
    float[] v = new float[D];
    for (int i = 0; i < D; i++) {
      v[i] = (float) (rnd.nextGaussian() * scale);
    }
    return v;
  }

  /** Naive clip in double: x * min(1, c / ||x||). */
  private static double[] naiveClip(float[] x, double c) {
    double n = 0;
    for (float v : x) {
      n += (double) v * v;
    }
    n = Math.sqrt(n);
    double f = n <= c ? 1 : c / n;
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * f;
    }
    return out;
  }

  private static ServerState start(Random rnd) {
    return ServerState.initial(ShiftClient.layout(randomVector(rnd, 1)));
  }

  @Test
  void zeroNoiseEqualsClippedEqualWeightAverage() throws Exception {
    Random rnd = new Random(1);
    Map<String, ClientApp> apps = new TreeMap<>();
    List<float[]> deltas = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      float[] d = randomVector(rnd, i % 2 == 0 ? 0.1 : 3.0); // some inside, some beyond C = 1
      deltas.add(d);
      apps.put("c" + i, new ClippingClient(new ShiftClient(d, 10 + 100L * i)));
    }
    ServerState s0 = start(rnd);
    DpFedAvg dp =
        new DpFedAvg(
            new FedAvg(),
            DpConfig.builder()
                .setClipNorm(1.0)
                .setNoiseMultiplier(0.0)
                .setPopulation(5)
                .setDelta(1e-5)
                .build(),
            RandomSource.deterministicForTesting(3));
    ServerState s1;
    try (InMemoryGrid grid = new InMemoryGrid(apps, 2)) {
      s1 = new FederatedServer(grid, dp, config(1, 1.0)).run(s0);
    }
    float[] g = s0.global().flatten();
    double[] expected = new double[D];
    for (float[] d : deltas) {
      double[] c = naiveClip(d, 1.0);
      for (int i = 0; i < D; i++) {
        expected[i] += c[i] / 5;
      }
    }
    float[] got = s1.global().flatten();
    for (int i = 0; i < D; i++) {
      assertThat((double) got[i]).isCloseTo(g[i] + expected[i], within(1e-6));
    }
    // sample counts differ a lot, yet the weights are equal: a weighted average would differ
    assertThat(s1.round()).isEqualTo(1);
    assertThat(dp.history()).hasSize(1);
    assertThat(dp.history().get(0).epsilon()).isInfinite();
    assertThat(dp.history().get(0).samplingRate()).isEqualTo(1.0);
  }

  @Test
  void centralNoiseStdIsZTimesClipOverSampleSize() {
    int dim = 2000;
    double z = 1.5;
    double clip = 0.5;
    int n = 4;
    float[] zero = new float[dim];
    ParameterSet params = ShiftClient.layout(zero);
    ServerState state = ServerState.initial(params);
    DpFedAvg dp =
        new DpFedAvg(
            new FedAvg(),
            DpConfig.builder()
                .setClipNorm(clip)
                .setNoiseMultiplier(z)
                .setPopulation(10)
                .setDelta(1e-5)
                .build(),
            RandomSource.deterministicForTesting(7));
    double s = 0;
    double ss = 0;
    long count = 0;
    for (int round = 1; round <= 20; round++) {
      List<Reply> replies = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        Instruction in = Instruction.fit(round, "c" + c, params, Map.of());
        replies.add(Reply.ok(in, params, 1, Map.of())); // zero updates: the output is pure noise
      }
      float[] out = dp.aggregate(round, replies, List.of(), state).global().flatten();
      for (float v : out) {
        s += v;
        ss += (double) v * v;
        count++;
      }
    }
    double mean = s / count;
    double std = Math.sqrt(ss / count - mean * mean);
    double target = z * clip / n;
    assertThat(std).isCloseTo(target, within(0.02 * target));
    assertThat(mean).isCloseTo(0, within(4 * target / Math.sqrt(count)));
    assertThat(dp.history().get(19).sumNoiseStd()).isEqualTo(z * clip);
  }

  @Test
  void distributedNoiseSharesSumToTheSameStd() {
    int dim = 2000;
    double z = 1.2;
    double clip = 1.0;
    int n = 4;
    ParameterSet params = ShiftClient.layout(new float[dim]);
    ServerState state = ServerState.initial(params);
    DpConfig cfg =
        DpConfig.builder()
            .setClipNorm(clip)
            .setNoiseMultiplier(z)
            .setPopulation(n)
            .setDelta(1e-5)
            .optMode(DpConfig.NoiseMode.DISTRIBUTED)
            .build();
    DpFedAvg dp = new DpFedAvg(new FedAvg(), cfg, RandomSource.deterministicForTesting(8));
    List<String> ids = List.of("a", "b", "c", "d");
    double ss = 0;
    long count = 0;
    for (int round = 1; round <= 10; round++) {
      List<Instruction> ins = dp.configureRound(round, state, ids);
      assertThat(ins.get(0).configDouble(DpFedAvg.NOISE_STD_KEY, -1))
          .isCloseTo(z * clip / Math.sqrt(n), within(1e-12));
      List<Reply> replies = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        ClientApp app =
            new DistributedNoiseClient(
                new ClippingClient(new ShiftClient(new float[dim], 1)),
                RandomSource.deterministicForTesting(100L * round + c));
        try {
          replies.add(app.fit(ins.get(c)));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
      for (float v : dp.aggregate(round, replies, List.of(), state).global().flatten()) {
        ss += (double) v * v;
        count++;
      }
    }
    double target = z * clip / n;
    assertThat(Math.sqrt(ss / count)).isCloseTo(target, within(0.03 * target));
  }

  @Test
  void maliciousHugeUpdateMovesTheModelByAtMostClipOverN() throws Exception {
    Random rnd = new Random(2);
    Map<String, ClientApp> apps = new TreeMap<>();
    double[] honestSum = new double[D];
    for (int i = 0; i < 3; i++) {
      float[] d = randomVector(rnd, 0.05);
      double[] c = naiveClip(d, 0.5);
      for (int k = 0; k < D; k++) {
        honestSum[k] += c[k];
      }
      apps.put("h" + i, new ClippingClient(new ShiftClient(d, 10)));
    }
    float[] evil = new float[D];
    java.util.Arrays.fill(evil, 1e5f);
    apps.put("m", new ShiftClient(evil, 1_000_000)); // skips clipping, claims many examples
    ServerState s0 = start(rnd);
    DpFedAvg dp =
        new DpFedAvg(
            new FedAvg(),
            DpConfig.builder()
                .setClipNorm(0.5)
                .setNoiseMultiplier(0.0)
                .setPopulation(4)
                .setDelta(1e-5)
                .build(),
            RandomSource.deterministicForTesting(1));
    ServerState s1;
    try (InMemoryGrid grid = new InMemoryGrid(apps, 2)) {
      s1 = new FederatedServer(grid, dp, config(1, 1.0)).run(s0);
    }
    float[] g0 = s0.global().flatten();
    float[] g1 = s1.global().flatten();
    double norm = 0;
    for (int k = 0; k < D; k++) {
      double evilContribution = 4 * ((double) g1[k] - g0[k]) - honestSum[k];
      norm += evilContribution * evilContribution;
      // clipped to C along its own direction: every coordinate equal to C / sqrt(D)
      assertThat(evilContribution).isCloseTo(0.5 / Math.sqrt(D), within(1e-4));
    }
    assertThat(Math.sqrt(norm)).isCloseTo(0.5, within(1e-4));
  }

  @Test
  void accountantMatchesClosedFormAndRunStopsAtBudget() throws Exception {
    Map<String, ClientApp> apps = new TreeMap<>();
    Random rnd = new Random(4);
    for (int i = 0; i < 10; i++) {
      apps.put(
          String.format("c%02d", i), new ClippingClient(new ShiftClient(randomVector(rnd, 1), 5)));
    }
    double q = 0.4;
    double z = 1.1;
    double delta = 1e-5;
    DpConfig cfg =
        DpConfig.builder()
            .setClipNorm(1.0)
            .setNoiseMultiplier(z)
            .setPopulation(10)
            .setDelta(delta)
            .build();
    ServerState s0 = start(rnd);
    try (InMemoryGrid grid = new InMemoryGrid(apps, 2)) {
      DpFedAvg dp = new DpFedAvg(new FedAvg(), cfg, RandomSource.deterministicForTesting(9));
      new FederatedServer(grid, dp, config(5, q)).run(s0);
      assertThat(dp.history()).hasSize(5);
      for (int t = 1; t <= 5; t++) {
        RoundPrivacy r = dp.history().get(t - 1);
        assertThat(r.round()).isEqualTo(t);
        assertThat(r.samplingRate()).isEqualTo(q);
        double expected = RdpAccountant.epsilon(q, z, t, delta);
        assertThat(r.epsilon()).isCloseTo(expected, within(1e-9 * expected));
      }
      assertThat(dp.epsilon()).isEqualTo(dp.history().get(4).epsilon());

      double e3 = RdpAccountant.epsilon(q, z, 3, delta);
      double e4 = RdpAccountant.epsilon(q, z, 4, delta);
      assertThat(e4).isGreaterThan(e3);
      DpFedAvg capped =
          new DpFedAvg(
              new FedAvg(),
              cfg.toBuilder().optEpsilonBudget((e3 + e4) / 2).build(),
              RandomSource.deterministicForTesting(9));
      FederatedServer server = new FederatedServer(grid, capped, config(10, q));
      assertThatThrownBy(() -> server.run(s0))
          .isInstanceOfSatisfying(
              PrivacyBudgetExceededException.class,
              e -> {
                assertThat(e.round()).isEqualTo(4);
                assertThat(e.lastState().round()).isEqualTo(3);
                assertThat(e.spent()).isCloseTo(e3, within(1e-9 * e3));
                assertThat(e.projected()).isCloseTo(e4, within(1e-9 * e4));
              })
          .hasMessageContaining("privacy budget reached: round 4 would raise epsilon")
          .hasMessageContaining("stopping with the state of round 3");
      assertThat(capped.history()).hasSize(3);
    }
  }

  @Test
  void adaptiveClipGrowsWhenNoUpdateFitsAndClientsReportTheBit() throws Exception {
    Map<String, ClientApp> apps = new TreeMap<>();
    for (int i = 0; i < 4; i++) {
      float[] d = new float[D];
      java.util.Arrays.fill(d, 10f); // norm ~31.6 >> clip 1
      apps.put("c" + i, new ClippingClient(new ShiftClient(d, 1)));
    }
    DpConfig cfg =
        DpConfig.builder()
            .setClipNorm(1.0)
            .setNoiseMultiplier(0.0)
            .setPopulation(4)
            .setDelta(1e-5)
            .optAdaptive(new DpConfig.AdaptiveClip(0.5, 0.2, 1e-3))
            .build();
    DpFedAvg dp = new DpFedAvg(new FedAvg(), cfg, RandomSource.deterministicForTesting(2));
    assertThat(dp.requiredMetrics()).contains(DpFedAvg.UNCLIPPED_METRIC);
    ServerState s0 = ServerState.initial(ShiftClient.layout(new float[D]));
    try (InMemoryGrid grid = new InMemoryGrid(apps, 2)) {
      new FederatedServer(grid, dp, config(2, 1.0)).run(s0);
    }
    // fraction unclipped 0 (+ tiny noise): C <- C exp(-0.2 (0 - 0.5)) per round
    assertThat(dp.history().get(0).clipNorm()).isEqualTo(1.0);
    assertThat(dp.history().get(1).clipNorm()).isCloseTo(Math.exp(0.1), within(1e-3));
    assertThat(dp.clipNorm()).isCloseTo(Math.exp(0.2), within(1e-3));
  }

  @Test
  void clippingClientRequiresTheClipKey() {
    ParameterSet p = ShiftClient.layout(new float[D]);
    ClippingClient c = new ClippingClient(new ShiftClient(new float[D], 1));
    assertThatThrownBy(() -> c.fit(Instruction.fit(1, "x", p, Map.of())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(DpFedAvg.CLIP_KEY);
  }
}
