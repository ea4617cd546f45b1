/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.adapters.lora.LoraDropoutReseeding;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.federated.Grid;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.split.SplitClientApp;
import io.persona4j.federated.split.SplitClientConfig;
import io.persona4j.federated.split.SplitConfig;
import io.persona4j.federated.split.SplitParameters;
import io.persona4j.federated.split.SplitServer;
import io.persona4j.federated.split.SplitServerConfig;
import io.persona4j.federated.split.SplitStepResult;
import io.persona4j.federated.strategy.FellRec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * FELLRec with real split learning ({@link Method#FELLREC_SPLIT}): each client keeps the token
 * embedding, the first {@code k} layers, the last layer, the LM head, its data and the LoRA of its
 * layers; the server holds the middle layers and one middle LoRA per client. Every local step runs
 * the split protocol over a {@link Grid} (a {@link SplitClientApp} per client driven by a {@link
 * SplitServer}): hidden states and their gradients cross the grid, never token ids, labels or the
 * client-side LoRA.
 *
 * <p>Each round, every client in turn trains {@link FinetunePreset#steps()} split steps from fresh
 * AdamW states on both sides (as {@code LoraClientApp} starts each round with a fresh optimizer),
 * in the data order core's {@code Trainer} uses for the same seed ({@code (seed * 31 + c) *
 * 1_000_003 + round}), with the same LoRA dropout reseeding per step and the same global-norm
 * gradient clipping ({@code maxGradNorm}, over the client's and the server's tensors together,
 * which costs one extra {@code clip_step} message per step; 0: none). Then the server applies
 * {@link FellRec}'s personalized aggregation (cosine similarities of the middle LoRA, softmax of
 * the clients' mean step losses, curriculum heating) to the middle adapters only, every new value
 * computed from the trained ones; the client-side LoRA is never aggregated.
 *
 * <p>Simulation: one process holds both parties. They share the frozen base model and one {@link
 * LoraModel} in which adapter {@code clientId} carries the client's tensors (front and tail layers,
 * trained only by its {@link SplitClientApp}) and the server's middle tensors for that client
 * (trained only by the {@link SplitServer}). Validation and test evaluation assemble each client's
 * full adapter (client-side LoRA + its middle LoRA from the server) in the experiment process; a
 * deployment would evaluate through the split protocol instead ({@link SplitServer#evaluate()}).
 */
final class SplitLearningFellRec {
  private static final Duration STAGE_DEADLINE = Duration.ofHours(1);

  private final LlamaModel model;
  private final LoraModel lora;
  private final List<ClientData> clients;
  private final FellRecPreset preset;
  private final long padId;
  private final SplitConfig split;
  private final double maxGradNorm;
  private UnaryOperator<Grid> wire = UnaryOperator.identity();

  /** Without gradient clipping. */
  SplitLearningFellRec(
      LlamaModel model,
      LoraModel lora,
      List<ClientData> clients,
      FellRecPreset preset,
      long padId) {
    this(model, lora, clients, preset, padId, 0);
  }

  /** Clipping every split step by the global gradient norm {@code maxGradNorm} (0: none). */
  SplitLearningFellRec(
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
    if (preset.clientLayers() < 1) {
      throw new IllegalArgumentException(
          "FELLREC_SPLIT needs clientLayers (k) >= 1 so that the client keeps the token"
              + " embedding and at least one layer before sending hidden states, got clientLayers "
              + preset.clientLayers()
              + " in preset '"
              + preset.name()
              + "'");
    }
    this.split = SplitConfig.of(model.config().numHiddenLayers(), preset.clientLayers());
  }

  /** Wraps each client's grid (as the server sees it), e.g. to record what crosses it. */
  SplitLearningFellRec withWire(UnaryOperator<Grid> wire) {
    this.wire = Objects.requireNonNull(wire, "wire");
    return this;
  }

  /** The layer split (k front layers, one tail layer). */
  SplitConfig split() {
    return split;
  }

  /**
   * Trains every round from {@code init} (the whole adapter) with {@code seed}; {@code validation}
   * gets the round and each client's full adapter, and returns the round's validation loss.
   */
  MethodRunner.Run run(
      long seed,
      ParameterSet init,
      BiFunction<Integer, Function<String, ParameterSet>, Double> validation) {
    Map<String, ParameterSet> clientSide = new LinkedHashMap<>();
    Map<String, ParameterSet> middle = new HashMap<>();
    ParameterSet initClient = select(init, true);
    ParameterSet initMiddle = select(init, false);
    for (ClientData d : clients) {
      clientSide.put(d.id(), initClient);
    }
    AggregationShift strategy = new AggregationShift(new FellRec(preset.fellrec(), Map.of()));
    ServerState state = ServerState.initial(initMiddle);
    List<String> order = init.names();
    double[] curve = new double[preset.rounds()];
    long[] traffic = new long[3]; // messages, bytes down, bytes up
    for (int round = 1; round <= preset.rounds(); round++) {
      List<Reply> replies = new ArrayList<>();
      for (int c = 0; c < clients.size(); c++) {
        ClientData d = clients.get(c);
        ParameterSet full = assemble(order, clientSide.get(d.id()), state.parametersFor(d.id()));
        double loss = trainClient(c, seed, round, full, traffic);
        clientSide.put(d.id(), SplitParameters.read(lora, d.id(), split, true));
        ParameterSet trained = SplitParameters.read(lora, d.id(), split, false);
        replies.add(
            new Reply(d.id(), round, trained, d.train().size(), Map.of(Reply.LOSS, loss), null));
      }
      state = strategy.aggregate(round, replies, List.of(), state);
      ServerState s = state;
      curve[round - 1] =
          validation.apply(round, id -> assemble(order, clientSide.get(id), s.parametersFor(id)));
    }
    Map<String, ParameterSet> out = new LinkedHashMap<>();
    for (ClientData d : clients) {
      out.put(d.id(), assemble(order, clientSide.get(d.id()), state.parametersFor(d.id())));
    }
    return new MethodRunner.Run(
        Method.FELLREC_SPLIT,
        out,
        curve,
        traffic[0],
        traffic[1],
        traffic[2],
        strategy.meanShift(),
        0);
  }

  /**
   * One client's local steps of one round through the split protocol, starting from {@code full};
   * returns the mean step loss and adds the traffic to {@code traffic}.
   */
  private double trainClient(int c, long seed, int round, ParameterSet full, long[] traffic) {
    ClientData d = clients.get(c);
    String id = d.id();
    long roundSeed = (seed * 31 + c) * 1_000_003L + round;
    synchronized (lora) {
      lora.activate(id);
      LoraParameters.load(lora, id, full);
    }
    SplitClientConfig config =
        SplitClientConfig.builder()
            .setLearningRate(preset.finetune().lr())
            .setBatchSize(Math.min(preset.finetune().batch(), d.train().size()))
            .optSeed(roundSeed)
            .optPadId(padId)
            .optMaxGradNorm(maxGradNorm)
            .build();
    LoraDropoutReseeding dropout = new LoraDropoutReseeding(lora.units(id), roundSeed);
    double lossSum = 0;
    try (SplitClientApp app = new SplitClientApp(model, lora, id, d.train(), split, config);
        InMemoryGrid memory = new InMemoryGrid(Map.of(id, app), 1)) {
      CountingGrid counted = new CountingGrid(memory);
      try (SplitServer server =
          new SplitServer(
              wire.apply(counted),
              id,
              model,
              lora,
              id,
              SplitServerConfig.builder()
                  .setSplit(split)
                  .setLearningRate(preset.finetune().lr())
                  .optStageDeadline(STAGE_DEADLINE)
                  .optMaxGradNorm(maxGradNorm)
                  .build())) {
        for (int step = 0; step < preset.finetune().steps(); step++) {
          dropout.reseed(step); // the engine's generator: the client seeds it per step
          SplitStepResult r = server.step();
          lossSum += r.loss();
        }
      }
      traffic[0] += counted.messages();
      traffic[1] += counted.bytesDown();
      traffic[2] += counted.bytesUp();
    } finally {
      lora.adapterTensors(id).values().forEach(a -> a.setRequiresGradient(false));
    }
    return lossSum / preset.finetune().steps();
  }

  /** The tensors of {@code full} on the client's ({@code clientSide}) or the server's layers. */
  private ParameterSet select(ParameterSet full, boolean clientSide) {
    return SplitStorageClient.select(
        full, name -> split.clientOwns(SplitParameters.layerOf(name)) == clientSide);
  }

  /** The whole adapter in {@code order} from its client-side and middle parts. */
  static ParameterSet assemble(List<String> order, ParameterSet clientSide, ParameterSet middle) {
    ParameterSet.Builder b = ParameterSet.builder();
    for (String name : order) {
      ParameterSet from = clientSide.names().contains(name) ? clientSide : middle;
      b.add(from.spec(name), from.values(name));
    }
    return b.build();
  }
}
