/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.prompt.SoftPromptConfig;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Example;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
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

  /**
   * Runs {@code method} ({@code epsilon} for DP, else ignored) on the clients' encoded data.
   *
   * @param train per-client training examples
   * @param test per-client test examples
   */
  public RunResult run(
      String setting,
      SecFppMethod method,
      double epsilon,
      long seed,
      int classes,
      List<List<Example>> train,
      List<List<Example>> test)
      throws Exception {
    long start = System.nanoTime();
    boolean trainLocal = method == SecFppMethod.LOCAL || method == SecFppMethod.SECFPP;
    Map<String, SecFppClientApp> apps = new TreeMap<>();
    SoftPromptConfig pc =
        new SoftPromptConfig(
            preset.virtualTokens(),
            encoder.config().hiddenSize(),
            SoftPromptConfig.Init.RANDOM,
            0.02);
    try {
      for (int i = 0; i < train.size(); i++) {
        SecFppClientConfig cc =
            new SecFppClientConfig(
                preset.learningRate(),
                preset.localSteps(),
                preset.warmupSteps(),
                preset.batchSize(),
                trainLocal,
                8,
                seed * 31 + 1,
                seed * 1000 + i,
                encoder.config().padTokenId());
        apps.put(
            String.format("client-%02d", i),
            new SecFppClientApp(
                encoder, pc, seed, classes, train.get(i), test.get(i), cc, manager));
      }
      ParameterSet p0 = apps.values().iterator().next().initialGlobal();
      int n = apps.size();
      ServerConfig sc =
          ServerConfig.builder()
              .setRounds(preset.rounds())
              .setSampler(new ClientSampler(1.0, n, seed))
              .optRoundDeadline(DEADLINE)
              .build();
      ServerState end;
      int clusters = 0;
      double sigma = 0;
      double eps = Double.NaN;
      String label = method.name();
      switch (method) {
        case LOCAL -> {
          for (int r = 1; r <= preset.rounds(); r++) {
            for (SecFppClientApp a : apps.values()) {
              a.trainLocally(preset.localSteps(), r);
            }
          }
          end = null;
        }
        case FEDAVG -> {
          try (InMemoryGrid grid = new InMemoryGrid(apps, 2)) {
            end = new FederatedServer(grid, new FedAvg(), sc).run(ServerState.initial(p0));
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
            end = new FederatedServer(grid, dp, sc).run(ServerState.initial(p0));
          }
          eps = dp.epsilon();
        }
        case SECFPP -> {
          Map<String, ClientApp> secured = new TreeMap<>();
          apps.forEach((id, a) -> secured.put(id, new SecAggClientApp(a, RandomSource.secure())));
          try (InMemoryGrid grid = new InMemoryGrid(secured, 2)) {
            GridClusterAggregator agg =
                new GridClusterAggregator(
                    grid, new ArrayList<>(apps.keySet()), FIXED_POINT, DEADLINE, 1);
            SecureKMeans.Result kr =
                new SecureKMeans(
                        new AdaptiveClusteringConfig(
                            preset.clusterMaxK(),
                            2,
                            0.35,
                            preset.clusterRestarts(),
                            preset.clusterIterations(),
                            seed))
                    .fit(agg, 8);
            Map<String, Integer> assignment = agg.assign(kr.chosen().centres());
            clusters = kr.chosen().k();
            end =
                new FederatedServer(
                        new ClusteredSecureAggregationGrid(grid, FIXED_POINT, 1.0),
                        new SecFppStrategy(assignment, Map.of()),
                        sc)
                    .run(ServerState.initial(p0));
          }
        }
        default -> throw new IllegalStateException(method.name());
      }
      long correct = 0;
      long total = 0;
      double sumAcc = 0;
      for (Map.Entry<String, SecFppClientApp> e : apps.entrySet()) {
        ParameterSet p = end == null ? ParameterSet.empty() : end.parametersFor(e.getKey());
        Reply r =
            e.getValue()
                .evaluate(
                    new Instruction(
                        Instruction.Task.EVALUATE, preset.rounds() + 1, e.getKey(), p, Map.of()));
        double acc = r.metrics().get("accuracy");
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
          secs);
    } finally {
      apps.values().forEach(SecFppClientApp::close);
    }
  }

  static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
