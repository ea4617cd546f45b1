/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.progress.Progress;
import io.persona4j.core.train.Example;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import io.persona4j.federated.lora.LoraClientApp;
import io.persona4j.federated.lora.LoraClientConfig;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.federated.strategy.FedProx;
import io.persona4j.federated.strategy.FellRec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Trains one {@link Method} on the clients of one seed: local-only without any server, the
 * federated methods through a {@link FederatedServer} on an {@link InMemoryGrid} (one round at a
 * time, so that every client's validation loss can be measured after each round), and the
 * centralized upper bound as a single client holding everybody's data. {@link Method#FELLREC_SPLIT}
 * runs split learning per client instead (see {@link SplitLearningFellRec}).
 *
 * <p>All clients share one frozen base model and one {@link LoraModel} in which adapter {@code
 * clientId} belongs to each client and {@value #CENTRAL} to the centralized run; every training or
 * evaluation call first loads the parameters it is given, so adapters carry no state between
 * methods.
 */
public final class MethodRunner {
  /** Adapter name of the centralized run. */
  public static final String CENTRAL = "central";

  /**
   * What one method's training produced.
   *
   * @param finalParameters each client's adapter to evaluate: after the last round, or after the
   *     round with the lowest validation loss when the preset selects checkpoints
   * @param validLoss mean validation loss after each round (clients weighted by their examples)
   * @param validLossPerClient {@code [round - 1][client]}: each client's validation loss with its
   *     own adapter after each round
   * @param selectedRound the round whose parameters {@code finalParameters} holds (1-based)
   * @param trainLossPerClient {@code [round - 1][client]}: the final local training loss each
   *     client reported to the server (empty for methods without a server, NaN for a client that
   *     did not report)
   * @param similarityRange {@code [round - 1]}: the smallest and largest FELLRec similarity {@code
   *     (cos + 1) / 2} between two clients' trained parameters (empty without a server)
   */
  public record Run(
      Method method,
      Map<String, ParameterSet> finalParameters,
      double[] validLoss,
      double[][] validLossPerClient,
      int selectedRound,
      long messages,
      long bytesDown,
      long bytesUp,
      double aggregationShift,
      double seconds,
      double[][] trainLossPerClient,
      double[][] similarityRange) {
    /** A run before checkpoint selection (per-client curves and selection filled in later). */
    Run(
        Method method,
        Map<String, ParameterSet> finalParameters,
        double[] validLoss,
        long messages,
        long bytesDown,
        long bytesUp,
        double aggregationShift,
        double seconds) {
      this(
          method,
          finalParameters,
          validLoss,
          new double[0][],
          validLoss.length,
          messages,
          bytesDown,
          bytesUp,
          aggregationShift,
          seconds,
          new double[0][],
          new double[0][]);
    }
  }

  private final LlamaModel model;
  private final LoraModel lora;
  private final List<ClientData> clients;
  private final FellRecPreset preset;
  private final long padId;
  private final double maxGradNorm;
  private Tracker tracker;

  /**
   * @param lora holds one adapter per client id and {@value #CENTRAL}, all with the same layout
   */
  public MethodRunner(
      LlamaModel model,
      LoraModel lora,
      List<ClientData> clients,
      FellRecPreset preset,
      long padId) {
    this(model, lora, clients, preset, padId, 1.0);
  }

  /**
   * As {@link #MethodRunner(LlamaModel, LoraModel, List, FellRecPreset, long)} with the local
   * training's global gradient-norm clip ({@code 1.0} there; {@code 0} for none). {@link
   * Method#FELLREC_SPLIT} clips by the same bound, by the global norm over both parties (one extra
   * {@code clip_step} message per step).
   */
  public MethodRunner(
      LlamaModel model,
      LoraModel lora,
      List<ClientData> clients,
      FellRecPreset preset,
      long padId,
      double maxGradNorm) {
    if (!(maxGradNorm >= 0) || !Double.isFinite(maxGradNorm)) {
      throw new IllegalArgumentException("maxGradNorm must be >= 0, got " + maxGradNorm);
    }
    this.maxGradNorm = maxGradNorm;
    this.model = Objects.requireNonNull(model, "model");
    this.lora = Objects.requireNonNull(lora, "lora");
    this.clients = List.copyOf(clients);
    this.preset = Objects.requireNonNull(preset, "preset");
    this.padId = padId;
  }

  /** Trains {@code method} from {@code init} (the whole adapter) with {@code seed}. */
  public Run run(Method method, long seed, ParameterSet init) throws IOException {
    long start = System.nanoTime();
    tracker = new Tracker();
    Run r =
        switch (method) {
          case LOCAL_ONLY -> localOnly(seed, init);
          case CENTRALIZED -> centralized(seed, init);
          case FELLREC_SPLIT ->
              new SplitLearningFellRec(model, lora, clients, preset, padId, maxGradNorm)
                  .run(seed, init, (round, full) -> validationLoss(round, full, false));
          default -> federated(method, seed, init);
        };
    Tracker t = tracker;
    tracker = null;
    boolean select = preset.selectCheckpoint() && t.best > 0;
    return new Run(
        r.method(),
        select ? t.bestParameters : r.finalParameters(),
        r.validLoss(),
        t.perClient.toArray(new double[0][]),
        select ? t.best : r.validLoss().length,
        r.messages(),
        r.bytesDown(),
        r.bytesUp(),
        r.aggregationShift(),
        (System.nanoTime() - start) / 1e9,
        r.trainLossPerClient(),
        r.similarityRange());
  }

  /** The training client of client {@code c} (its adapter, its data). */
  public LoraClientApp trainingClient(int c, long seed) {
    ClientData d = clients.get(c);
    return new LoraClientApp(model, lora, d.id(), d.train(), config(seed * 31 + c, 1));
  }

  private LoraClientConfig config(long seed, int stepsFactor) {
    return LoraClientConfig.builder()
        .setLearningRate(preset.finetune().lr())
        .setLocalSteps(Math.toIntExact(preset.finetune().steps() * stepsFactor))
        .optMicroBatchSize(preset.finetune().batch())
        .optMaxGradNorm(maxGradNorm)
        .optSeed(seed)
        .optPadId(padId)
        .build();
  }

  private Run localOnly(long seed, ParameterSet init) {
    Map<String, ParameterSet> params = new LinkedHashMap<>();
    List<LoraClientApp> apps = new ArrayList<>();
    for (int c = 0; c < clients.size(); c++) {
      apps.add(trainingClient(c, seed));
      params.put(clients.get(c).id(), init);
    }
    double[] curve = new double[preset.rounds()];
    Progress progress = Progress.start(Method.LOCAL_ONLY.label() + " rounds", preset.rounds());
    for (int round = 1; round <= preset.rounds(); round++) {
      for (int c = 0; c < clients.size(); c++) {
        String id = clients.get(c).id();
        Reply r = fitDirectly(apps.get(c), Instruction.fit(round, id, params.get(id), Map.of()));
        params.put(id, r.parameters());
      }
      curve[round - 1] = validationLoss(round, params::get, false);
      progress.update(round);
    }
    return new Run(Method.LOCAL_ONLY, params, curve, 0, 0, 0, 0, 0);
  }

  private static Reply fitDirectly(ClientApp app, Instruction in) {
    try {
      return app.fit(in);
    } catch (Exception e) {
      throw new IllegalStateException("local training of " + in.clientId() + " failed", e);
    }
  }

  private Run centralized(long seed, ParameterSet init) throws IOException {
    List<Example> all = new ArrayList<>();
    clients.forEach(d -> all.addAll(d.train()));
    LoraClientApp app =
        new LoraClientApp(model, lora, CENTRAL, all, config(seed * 31 + 997, clients.size()));
    Map<String, ClientApp> apps = Map.of(CENTRAL, app);
    FedAvg strategy = new FedAvg();
    return serve(
        Method.CENTRALIZED, apps, strategy, ServerState.initial(init), seed, s -> id -> s.global());
  }

  private Run federated(Method method, long seed, ParameterSet init) throws IOException {
    int layers = model.config().numHiddenLayers();
    Map<String, ClientApp> apps = new LinkedHashMap<>();
    Map<String, SplitStorageClient> split = new LinkedHashMap<>();
    for (int c = 0; c < clients.size(); c++) {
      ClientApp app = trainingClient(c, seed);
      if (method.fellrecVariant()) {
        SplitStorageClient s = new SplitStorageClient(app, init, preset.clientLayers(), layers);
        split.put(clients.get(c).id(), s);
        app = s;
      }
      apps.put(clients.get(c).id(), app);
    }
    Strategy strategy =
        switch (method) {
          case FEDAVG -> new FedAvg();
          case FEDPROX -> new FedProx(preset.proxMu());
          case FELLREC,
              FELLREC_NO_HEATING,
              FELLREC_B5,
              FELLREC_NO_SIMILARITY,
              FELLREC_TUNED_TEMPERATURE ->
              new FellRec(method.fellrecConfig(preset), Map.of());
          default -> throw new IllegalArgumentException("not a federated method: " + method);
        };
    if (method.fellrecVariant()) {
      ParameterSet shared = SplitStorageClient.shared(init, preset.clientLayers(), layers);
      return serve(
          method,
          apps,
          strategy,
          ServerState.initial(shared),
          seed,
          s -> id -> split.get(id).merged(s.parametersFor(id)));
    }
    return serve(method, apps, strategy, ServerState.initial(init), seed, s -> id -> s.global());
  }

  /**
   * Runs the rounds through a server on an in-memory grid; {@code full} gives each client's whole
   * adapter in a server state.
   */
  private Run serve(
      Method method,
      Map<String, ClientApp> apps,
      Strategy strategy,
      ServerState initial,
      long seed,
      Function<ServerState, Function<String, ParameterSet>> full)
      throws IOException {
    AggregationShift measured = new AggregationShift(strategy);
    ServerConfig config =
        ServerConfig.builder()
            .setRounds(1)
            .setSampler(new ClientSampler(1.0, apps.size(), seed))
            .optRoundDeadline(Duration.ofHours(6))
            .build();
    double[] curve = new double[preset.rounds()];
    Progress progress = Progress.start(method.label() + " rounds", preset.rounds());
    ServerState state = initial;
    try (InMemoryGrid memory = new InMemoryGrid(apps, 1)) {
      CountingGrid grid = new CountingGrid(memory);
      for (int round = 1; round <= preset.rounds(); round++) {
        state =
            new FederatedServer(grid, measured, config.toBuilder().setRounds(round).build())
                .run(state);
        curve[round - 1] = validationLoss(round, full.apply(state), method == Method.CENTRALIZED);
        progress.update(round);
      }
      Map<String, ParameterSet> out = new LinkedHashMap<>();
      Function<String, ParameterSet> f = full.apply(state);
      for (ClientData d : clients) {
        out.put(d.id(), f.apply(method == Method.CENTRALIZED ? CENTRAL : d.id()));
      }
      List<Map<String, Double>> reported = measured.trainingLosses();
      double[][] trainLoss = new double[reported.size()][clients.size()];
      for (int t = 0; t < reported.size(); t++) {
        for (int c = 0; c < clients.size(); c++) {
          trainLoss[t][c] = reported.get(t).getOrDefault(clients.get(c).id(), Double.NaN);
        }
      }
      return new Run(
          method,
          out,
          curve,
          new double[0][],
          preset.rounds(),
          grid.messages(),
          grid.bytesDown(),
          grid.bytesUp(),
          measured.meanShift(),
          0,
          trainLoss,
          measured.similarityRanges());
    }
  }

  /**
   * Mean per-token validation loss over all clients' validation examples (each client weighted by
   * its number of examples), each client evaluated with its own adapter parameters. Records each
   * client's loss and, when the mean is the lowest so far, every client's parameters (the
   * validation checkpoint).
   */
  private double validationLoss(
      int round, Function<String, ParameterSet> paramsOf, boolean central) {
    double sum = 0;
    long n = 0;
    double[] perClient = new double[clients.size()];
    Map<String, ParameterSet> params = new LinkedHashMap<>();
    for (int c = 0; c < clients.size(); c++) {
      ClientData d = clients.get(c);
      String adapter = central ? CENTRAL : d.id();
      ParameterSet p = paramsOf.apply(adapter);
      params.put(d.id(), p);
      LoraClientApp eval = new LoraClientApp(model, lora, adapter, d.valid(), config(0, 1));
      Instruction in = new Instruction(Instruction.Task.EVALUATE, round, adapter, p, Map.of());
      Reply r = eval.evaluate(in);
      perClient[c] = r.metrics().get(Reply.LOSS);
      sum += perClient[c] * d.valid().size();
      n += d.valid().size();
    }
    double mean = sum / n;
    if (tracker != null) {
      tracker.perClient.add(perClient);
      if (mean < tracker.bestLoss) {
        tracker.bestLoss = mean;
        tracker.best = round;
        tracker.bestParameters = params;
      }
    }
    return mean;
  }

  /** Per-client curves and the best validation checkpoint of the run in progress. */
  private static final class Tracker {
    final List<double[]> perClient = new ArrayList<>();
    double bestLoss = Double.POSITIVE_INFINITY;
    int best = -1;
    Map<String, ParameterSet> bestParameters;
  }
}
