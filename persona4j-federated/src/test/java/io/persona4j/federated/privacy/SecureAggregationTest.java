/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
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
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.Messages.MaskedInput;
import io.persona4j.privacy.secagg.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SecureAggregationTest {
  private static final int D = 200;
  private static final int N = 5;
  private static final FixedPoint FP = new FixedPoint(1.0, 0x1.0p20, 1L << 62);
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private final Map<String, float[]> deltas = new TreeMap<>();

  SecureAggregationTest() {
    Random rnd = new Random(42);
    for (int i = 0; i < N; i++) {
      float[] d = new float[D];
      for (int k = 0; k < D; k++) {
        d[k] = (float) (rnd.nextGaussian() * 0.3);
      }
      deltas.put("c" + i, d);
    }
  }

  private Map<String, ClientApp> apps(Map<String, Stage> dropAt) {
    Map<String, ClientApp> apps = new TreeMap<>();
    int seed = 0;
    for (Map.Entry<String, float[]> e : deltas.entrySet()) {
      ClientApp app =
          new SecAggClientApp(
              new ShiftClient(e.getValue(), 10 + 50L * seed),
              RandomSource.deterministicForTesting(1000 + seed++));
      Stage s = dropAt.get(e.getKey());
      apps.put(e.getKey(), s == null ? app : new DroppingClient(app, s));
    }
    return apps;
  }

  /** Sum of the fixed-point quantized updates of {@code clients}, as the protocol decodes it. */
  private double[] quantizedSum(List<String> clients) {
    long[] acc = new long[D];
    for (String c : clients) {
      float[] d = deltas.get(c);
      for (int k = 0; k < D; k++) {
        acc[k] += FP.quantize(d[k]);
      }
    }
    double[] out = new double[D];
    for (int k = 0; k < D; k++) {
      out[k] = acc[k] / FP.scale();
    }
    return out;
  }

  private static ServerState zero() {
    return ServerState.initial(ShiftClient.layout(new float[D]));
  }

  private List<Instruction> fit(ServerState state) {
    return new FedAvg(Map.of("epochs", 1))
        .configureRound(1, state, new ArrayList<>(deltas.keySet()));
  }

  @Test
  void fedAvgOverSecureAggregationEqualsPlainEqualWeightAverageAndServerSeesOnlyMaskedValues()
      throws Exception {
    Random rnd = new Random(3);
    float[] g = new float[D];
    for (int k = 0; k < D; k++) {
      g[k] = (float) rnd.nextGaussian();
    }
    ServerState s0 = ServerState.initial(ShiftClient.layout(g));
    ServerConfig cfg =
        new ServerConfig(
            2, new ClientSampler(1.0, N, 1), N, DEADLINE, 0, Double.POSITIVE_INFINITY, null, null);
    ServerState s2;
    RecordingGrid recorder;
    try (InMemoryGrid plain = new InMemoryGrid(apps(Map.of()), 3)) {
      recorder = new RecordingGrid(plain);
      SecureAggregationGrid grid = new SecureAggregationGrid(recorder, FP, 0.5);
      s2 = new FederatedServer(grid, new FedAvg(), cfg).run(s0);
    }
    // plain equal-weight FedAvg: each round adds the mean update (sample counts differ: ignored)
    float[] got = s2.global().flatten();
    for (int k = 0; k < D; k++) {
      double mean = 0;
      for (float[] d : deltas.values()) {
        mean += d[k] / (double) N;
      }
      assertThat((double) got[k]).isCloseTo(g[k] + 2 * mean, within(2e-6));
    }

    // 2 rounds x 4 stages x 5 clients: every reply the server side received is a protocol message
    assertThat(recorder.seen).hasSize(2 * 4 * N);
    int masked = 0;
    long values = 0;
    double uniformSum = 0;
    long bound = N * FP.qMax();
    for (RecordingGrid.Exchange ex : recorder.seen) {
      ParameterSet p = ex.reply().parameters();
      assertThat(p.names()).containsExactly(SecAggWire.TENSOR);
      Object stage = ex.instruction().config().get(SecAggClientApp.STAGE_KEY);
      if (Stage.MASKED_INPUT.name().equals(stage)) {
        masked++;
        MaskedInput m = SecAggWire.decodeMaskedInput(SecAggWire.fromParameters(p));
        long[] y = m.maskedInput();
        long[] plainEncoding = FP.encode(deltas.get(ex.reply().clientId()));
        assertThat(y).hasSize(D);
        for (int k = 0; k < D; k++) {
          assertThat(y[k]).isNotEqualTo(plainEncoding[k]);
          // a plain encoding (or any sum of them) is centered within +-N qMax; masked values are
          // not
          assertThat(Math.abs(FP.centered(y[k]))).isGreaterThan(bound);
          uniformSum += y[k] / (double) FP.modulus();
          values++;
        }
      }
    }
    assertThat(masked).isEqualTo(2 * N);
    assertThat(uniformSum / values).isBetween(0.45, 0.55); // uniform on [0, M): mean 1/2
  }

  @Test
  void dropAtMaskedInputGivesTheAverageOfTheSurvivors() {
    try (InMemoryGrid plain = new InMemoryGrid(apps(Map.of("c2", Stage.MASKED_INPUT)), 3)) {
      SecAggRound round = new SecAggRound(plain, FP, 0.5);
      SecAggRound.Outcome out = round.run(fit(zero()), DEADLINE);
      List<String> survivors = List.of("c0", "c1", "c3", "c4");
      assertThat(out.included()).containsExactlyElementsOf(survivors);
      assertThat(out.sum()).containsExactly(quantizedSum(survivors));
      assertThat(out.failures()).extracting(Failure::clientId).containsExactly("c2");
      assertThat(out.failures().get(0).kind()).isEqualTo(Failure.Kind.DROPPED);

      RoundResult r = new SecureAggregationGrid(plain, FP, 0.5).send(fit(zero()), DEADLINE);
      assertThat(r.replies()).extracting(Reply::clientId).containsExactlyElementsOf(survivors);
      assertThat(r.failures()).extracting(Failure::clientId).containsExactly("c2");
      float[] avg = FedAvg.weightedAverage(r.replies()).flatten();
      double[] expected = quantizedSum(survivors);
      for (int k = 0; k < D; k++) {
        assertThat((double) avg[k]).isCloseTo(expected[k] / 4, within(1e-7));
      }
    }
  }

  @Test
  void dropAtUnmaskingKeepsTheDroppersInputWhichWasAlreadySent() {
    try (InMemoryGrid plain = new InMemoryGrid(apps(Map.of("c3", Stage.UNMASKING)), 3)) {
      SecAggRound.Outcome out = new SecAggRound(plain, FP, 0.5).run(fit(zero()), DEADLINE);
      List<String> all = new ArrayList<>(deltas.keySet());
      assertThat(out.included()).containsExactlyElementsOf(all);
      assertThat(out.unmaskingDropouts()).containsExactly("c3");
      assertThat(out.failures()).isEmpty();
      assertThat(out.sum()).containsExactly(quantizedSum(all));
    }
  }

  @Test
  void tooManyDropoutsAbortAndEveryClientFails() {
    Map<String, Stage> drops =
        Map.of("c0", Stage.SHARE_KEYS, "c1", Stage.SHARE_KEYS, "c2", Stage.SHARE_KEYS);
    try (InMemoryGrid plain = new InMemoryGrid(apps(drops), 3)) {
      SecureAggregationGrid grid = new SecureAggregationGrid(plain, FP, 0.6); // t = 3
      RoundResult r = grid.send(fit(zero()), DEADLINE);
      assertThat(r.replies()).isEmpty();
      assertThat(r.failures()).hasSize(N);
      assertThat(r.failures()).allSatisfy(f -> assertThat(f.reason()).contains("aborted"));
    }
  }

  @Test
  void distributedDpFedAvgComposesWithSecureAggregation() throws Exception {
    double clip = 0.5;
    FixedPoint fp = new FixedPoint(clip, 0x1.0p20, 1L << 62);
    Map<String, ClientApp> apps = new TreeMap<>();
    int seed = 0;
    for (Map.Entry<String, float[]> e : deltas.entrySet()) {
      float[] big = e.getValue().clone();
      for (int k = 0; k < D; k++) {
        big[k] *= 10; // norm ~42 >> clip
      }
      ClientApp app =
          new SecAggClientApp(
              new DistributedNoiseClient(
                  new ClippingClient(new ShiftClient(big, 7)),
                  RandomSource.deterministicForTesting(seed)),
              RandomSource.deterministicForTesting(500 + seed++));
      apps.put(
          e.getKey(), e.getKey().equals("c4") ? new DroppingClient(app, Stage.MASKED_INPUT) : app);
    }
    DpConfig dpc =
        DpConfig.builder()
            .setClipNorm(clip)
            .setNoiseMultiplier(0.0)
            .setPopulation(N)
            .setDelta(1e-5)
            .optMode(DpConfig.NoiseMode.DISTRIBUTED)
            .build();
    DpFedAvg dp = new DpFedAvg(new FedAvg(), dpc, RandomSource.deterministicForTesting(1));
    ServerConfig cfg =
        new ServerConfig(
            1, new ClientSampler(1.0, N, 1), 1, DEADLINE, 0, Double.POSITIVE_INFINITY, null, null);
    ServerState s1;
    try (InMemoryGrid plain = new InMemoryGrid(apps, 3)) {
      s1 = new FederatedServer(new SecureAggregationGrid(plain, fp, 0.5), dp, cfg).run(zero());
    }
    // theta' = sum over the 4 survivors of clip(10 delta) / 5 sampled clients
    float[] got = s1.global().flatten();
    for (int k = 0; k < D; k++) {
      double expected = 0;
      for (String c : List.of("c0", "c1", "c2", "c3")) {
        float[] d = deltas.get(c);
        double norm = 0;
        for (float v : d) {
          norm += 100.0 * v * v;
        }
        expected += 10 * d[k] * clip / Math.sqrt(norm) / N;
      }
      assertThat((double) got[k]).isCloseTo(expected, within(2e-6));
    }
    assertThat(dp.history().get(0).samplingRate()).isEqualTo(1.0);
  }

  @Test
  void secAggPlusOnASparseGraphGivesTheExactQuantizedSumAndSendsTheGraphToClients() {
    RecordingGrid recorder;
    SecAggRound.Outcome out;
    try (InMemoryGrid plain = new InMemoryGrid(apps(Map.of()), 3)) {
      recorder = new RecordingGrid(plain);
      out = new SecAggRound(recorder, FP, 0.5, 2).run(fit(zero()), DEADLINE);
    }
    assertThat(out.failures()).isEmpty();
    assertThat(out.included()).containsExactlyElementsOf(deltas.keySet());
    double[] want = quantizedSum(new ArrayList<>(deltas.keySet()));
    assertThat(out.sum()).containsExactly(want, within(1e-12));
    // the ADVERTISE_KEYS instructions carry the public graph (degree 2 of 5: sparse), and the
    // threshold is a majority of the neighbourhood (3 = itself and 2 neighbours), not of all 5
    List<RecordingGrid.Exchange> first =
        recorder.seen.stream()
            .filter(
                e ->
                    Stage.ADVERTISE_KEYS
                        .name()
                        .equals(e.instruction().config().get(SecAggClientApp.STAGE_KEY)))
            .toList();
    assertThat(first).hasSize(N);
    for (RecordingGrid.Exchange e : first) {
      assertThat(e.instruction().config()).containsEntry(SecAggWire.GRAPH_DEGREE_KEY, 2);
      assertThat(e.instruction().config()).containsKey(SecAggWire.GRAPH_SEED_KEY);
      assertThat(e.instruction().config()).containsEntry(SecAggWire.THRESHOLD_KEY, 2);
    }
  }

  @Test
  void secAggPlusWithTooFewClientsForASparseGraphFallsBackToTheCompleteGraph() {
    SecAggRound.Outcome out;
    RecordingGrid recorder;
    try (InMemoryGrid plain = new InMemoryGrid(apps(Map.of()), 3)) {
      recorder = new RecordingGrid(plain);
      out = new SecAggRound(recorder, FP, 0.5, 4).run(fit(zero()), DEADLINE); // 4 >= n - 1
    }
    assertThat(out.sum())
        .containsExactly(quantizedSum(new ArrayList<>(deltas.keySet())), within(1e-12));
    assertThat(recorder.seen.get(0).instruction().config())
        .doesNotContainKey(SecAggWire.GRAPH_DEGREE_KEY);
  }
}
