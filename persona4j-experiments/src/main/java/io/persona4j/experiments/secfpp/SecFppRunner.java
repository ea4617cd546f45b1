/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.prompt.SoftPromptConfig;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Example;
import io.persona4j.experiments.common.PairedStats;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import io.persona4j.federated.privacy.ClippingClient;
import io.persona4j.federated.privacy.DpConfig;
import io.persona4j.federated.privacy.DpFedAvg;
import io.persona4j.federated.privacy.SecAggClientApp;
import io.persona4j.federated.secfpp.ClusteredSecureAggregationGrid;
import io.persona4j.federated.secfpp.GridClusterAggregator;
import io.persona4j.federated.secfpp.SecFppClientApp;
import io.persona4j.federated.secfpp.SecFppClientConfig;
import io.persona4j.federated.secfpp.SecFppStrategy;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.cluster.AdaptiveClusteringConfig;
import io.persona4j.privacy.cluster.SecureKMeans;
import io.persona4j.privacy.dp.NoiseCalibration;
import io.persona4j.privacy.encoding.FixedPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Runs one method on one setting and seed, with a shared frozen encoder. */
public final class SecFppRunner {
  /** Delta of the DP baselines. */
  public static final double DELTA = 1e-5;

  private static final FixedPoint FIXED_POINT = new FixedPoint(1.0, 1 << 20, 1L << 62);
  private static final Duration DEADLINE = Duration.ofHours(1);

  private final BertModel encoder;
  private final SecFppPreset preset;
  private final NDManager manager;

  public SecFppRunner(BertModel encoder, SecFppPreset preset, NDManager manager) {
    this.encoder = encoder;
    this.preset = preset;
    this.manager = manager;
  }

  /** Encoded examples of one client's texts. */
  public static List<Example> examples(List<String> texts, List<Integer> labels, TextEncoder enc) {
    List<Example> out = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      out.add(Example.classification(enc.encode(texts.get(i)), labels.get(i)));
    }
    return out;
  }

  /** Told after every round of a run; the sweep evaluates the clients on validation data here. */
  @FunctionalInterface
  public interface RoundProbe {
    /**
     * @param round the round just finished (1-based)
     * @param apps the clients, by id
     * @param state the server's state after the round ({@code null} for local-only training)
     */
    void afterRound(int round, Map<String, SecFppClientApp> apps, ServerState state)
        throws Exception;
  }

  /**
   * {@link #run(String, SecFppMethod, double, long, int, List, List, List, RoundProbe)} unprobed.
   */
  public RunResult run(
      String setting,
      SecFppMethod method,
      double epsilon,
      long seed,
      int classes,
      List<List<Example>> train,
      List<List<Example>> test,
      List<Integer> domains)
      throws Exception {
    return run(setting, method, epsilon, seed, classes, train, test, domains, (r, a, s) -> {});
  }

  /**
   * Runs {@code method} ({@code epsilon} for DP, else ignored) on the clients' encoded data.
   *
   * @param train per-client training examples
   * @param test per-client test examples
   * @param domains each client's known domain (for the adjusted Rand index of SecFPP's clusters),
   *     or empty where the setting has none
   * @param probe told after every round (the rounds run one server call each, so it sees every
   *     intermediate state)
   */
  public RunResult run(
      String setting,
      SecFppMethod method,
      double epsilon,
      long seed,
      int classes,
      List<List<Example>> train,
      List<List<Example>> test,
      List<Integer> domains,
      RoundProbe probe)
      throws Exception {
    if (!domains.isEmpty() && domains.size() != train.size()) {
      throw new IllegalArgumentException(
          domains.size() + " domains for " + train.size() + " clients");
    }
    long start = System.nanoTime();
    boolean secfpp = method == SecFppMethod.SECFPP || method == SecFppMethod.SECFPP_DATA;
    boolean trainLocal = method == SecFppMethod.LOCAL || secfpp;
    Map<String, SecFppClientApp> apps = new TreeMap<>();
    SoftPromptConfig pc = promptConfig(preset, encoder);
    try {
      for (int i = 0; i < train.size(); i++) {
        SecFppClientConfig cc =
            clientConfig(
                preset,
                encoder,
                seed,
                seed * 1000 + i,
                trainLocal,
                method == SecFppMethod.SECFPP_DATA
                    ? SecFppClientConfig.ClusterSignal.DATA_EMBEDDING
                    : SecFppClientConfig.ClusterSignal.PROMPT_DRIFT);
        apps.put(
            String.format("client-%02d", i),
            new SecFppClientApp(
                encoder, pc, seed, classes, train.get(i), test.get(i), cc, manager));
      }
      ParameterSet p0 = apps.values().iterator().next().initialGlobal();
      float[] initialPrompt = apps.values().iterator().next().prompt().combinedValues();
      int n = apps.size();
      ServerConfig sc =
          ServerConfig.builder()
              .setRounds(preset.rounds())
              .setSampler(new ClientSampler(1.0, n, seed))
              .optRoundDeadline(DEADLINE)
              .build();
      double withinCos = Double.NaN;
      double betweenCos = Double.NaN;
      ServerState end;
      int clusters = 0;
      List<Integer> assignmentList = List.of();
      List<Double> perK = List.of();
      double ari = Double.NaN;
      double sigma = 0;
      double eps = Double.NaN;
      String label = method.name();
      switch (method) {
        case LOCAL -> {
          for (int r = 1; r <= preset.rounds(); r++) {
            for (SecFppClientApp a : apps.values()) {
              a.trainLocally(preset.localSteps(), r);
            }
            probe.afterRound(r, apps, null);
          }
          end = null;
        }
        case FEDAVG -> {
          try (InMemoryGrid grid = new InMemoryGrid(apps, 2)) {
            end = rounds(grid, new FedAvg(), sc, p0, apps, probe);
          }
        }
        case DP -> {
          sigma = NoiseCalibration.noiseMultiplier(epsilon, 1.0, preset.rounds(), DELTA);
          label = "DP eps=" + fmt(epsilon);
          Map<String, ClientApp> clipped = new TreeMap<>();
          apps.forEach((id, a) -> clipped.put(id, new ClippingClient(a)));
          DpFedAvg dp =
              new DpFedAvg(
                  new FedAvg(),
                  DpConfig.builder()
                      .setClipNorm(preset.clipNorm())
                      .setNoiseMultiplier(sigma)
                      .setPopulation(n)
                      .setDelta(DELTA)
                      .build(),
                  RandomSource.secure());
          try (InMemoryGrid grid = new InMemoryGrid(clipped, 2)) {
            end = rounds(grid, dp, sc, p0, apps, probe);
          }
          eps = dp.epsilon();
        }
        case SECFPP, SECFPP_DATA -> {
          Map<String, ClientApp> secured = new TreeMap<>();
          apps.forEach((id, a) -> secured.put(id, new SecAggClientApp(a, RandomSource.secure())));
          try (InMemoryGrid grid = new InMemoryGrid(secured, 2)) {
            GridClusterAggregator agg =
                new GridClusterAggregator(
                    grid, new ArrayList<>(apps.keySet()), FIXED_POINT, DEADLINE, 1);
            SecureKMeans.Result kr =
                new SecureKMeans(
                        AdaptiveClusteringConfig.of(
                            preset.clusterMaxK(),
                            2,
                            preset.clusterRestarts(),
                            preset.clusterIterations(),
                            seed))
                    .fit(agg, 8);
            Map<String, Integer> assignment = agg.assign(kr.chosen().centres());
            clusters = kr.chosen().k();
            assignmentList = new ArrayList<>(assignment.values()); // TreeMap: client order
            perK =
                kr.perK().stream()
                    .map(f -> f == null ? Double.NaN : f.withinSumOfSquares())
                    .toList();
            if (!domains.isEmpty()) {
              ari =
                  PairedStats.adjustedRandIndex(
                      assignmentList.stream().mapToInt(Integer::intValue).toArray(),
                      domains.stream().mapToInt(Integer::intValue).toArray());
            }
            List<double[]> z = new ArrayList<>();
            for (SecFppClientApp a : apps.values()) {
              z.add(a.domainVector()); // already computed for the clustering: no extra training
            }
            if (!domains.isEmpty()) {
              double[] wb = DomainCosines.of(z, domains);
              withinCos = wb[0];
              betweenCos = wb[1];
            }
            end =
                rounds(
                    new ClusteredSecureAggregationGrid(grid, FIXED_POINT, 1.0),
                    new SecFppStrategy(assignment, Map.of()),
                    sc,
                    p0,
                    apps,
                    probe);
          }
        }
        default -> throw new IllegalStateException(method.name());
      }
      long correct = 0;
      long total = 0;
      double sumAcc = 0;
      double drift = 0;
      List<Double> accuracies = new ArrayList<>();
      List<boolean[]> hits = new ArrayList<>();
      for (Map.Entry<String, SecFppClientApp> e : apps.entrySet()) {
        ParameterSet p = end == null ? ParameterSet.empty() : end.parametersFor(e.getKey());
        Reply r =
            e.getValue()
                .evaluate(
                    new Instruction(
                        Instruction.Task.EVALUATE, preset.rounds() + 1, e.getKey(), p, Map.of()));
        double acc = r.metrics().get("accuracy");
        accuracies.add(acc);
        hits.add(e.getValue().testHits());
        drift += relativeDrift(e.getValue().prompt().combinedValues(), initialPrompt);
        sumAcc += acc;
        correct += Math.round(acc * r.numExamples());
        total += r.numExamples();
      }
      double secs = (System.nanoTime() - start) / 1e9;
      return new RunResult(
          setting,
          label,
          seed,
          (double) correct / total,
          sumAcc / apps.size(),
          clusters,
          sigma,
          eps,
          secs,
          accuracies,
          hits,
          domains,
          assignmentList,
          ari,
          perK,
          drift / apps.size(),
          withinCos,
          betweenCos);
    } finally {
      apps.values().forEach(SecFppClientApp::close);
    }
  }

  /** The clients' prompt shape: the preset's virtual tokens, random init at scale 0.02. */
  static SoftPromptConfig promptConfig(SecFppPreset preset, BertModel encoder) {
    return new SoftPromptConfig(
        preset.virtualTokens(), encoder.config().hiddenSize(), SoftPromptConfig.Init.RANDOM, 0.02);
  }

  /**
   * A client's settings: the preset's training, an 8-d projection from the seed's shared projection
   * seed, and {@code clientSeed} for its head and minibatch order.
   */
  static SecFppClientConfig clientConfig(
      SecFppPreset preset,
      BertModel encoder,
      long seed,
      long clientSeed,
      boolean trainLocal,
      SecFppClientConfig.ClusterSignal signal) {
    return new SecFppClientConfig(
        preset.learningRate(),
        preset.localSteps(),
        preset.warmupSteps(),
        preset.batchSize(),
        trainLocal,
        8,
        seed * 31 + 1,
        clientSeed,
        encoder.config().padTokenId(),
        signal);
  }

  /** Rounds 1..R, one server call each, telling {@code probe} after each. */
  private static ServerState rounds(
      Grid grid,
      Strategy strategy,
      ServerConfig sc,
      ParameterSet p0,
      Map<String, SecFppClientApp> apps,
      RoundProbe probe)
      throws Exception {
    ServerState state = ServerState.initial(p0);
    for (int r = 1; r <= sc.rounds(); r++) {
      state = new FederatedServer(grid, strategy, sc.toBuilder().setRounds(r).build()).run(state);
      probe.afterRound(r, apps, state);
    }
    return state;
  }

  /** {@code ||p - p0|| / ||p0||}. */
  public static double relativeDrift(float[] p, float[] p0) {
    double d = 0;
    double n = 0;
    for (int i = 0; i < p.length; i++) {
      d += (p[i] - p0[i]) * (double) (p[i] - p0[i]);
      n += p0[i] * (double) p0[i];
    }
    return Math.sqrt(d / n);
  }

  static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
