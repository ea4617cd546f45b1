/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraDropoutReseeding;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraTrainingObjective;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingObjective;
import io.persona4j.core.train.TrainingResult;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.privacy.DpSgdResult;
import io.persona4j.privacy.RandomSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A federated client that fine-tunes a LoRA adapter of a frozen Llama base model on its own
 * examples.
 *
 * <p>Several virtual clients in one JVM share one {@link LlamaModel} and one {@link LoraModel};
 * each client names the adapter it trains (its own, or one adapter shared by all: {@link #fit} and
 * {@link #evaluate} always start by loading the instruction's parameters into it). Because the
 * adapters live in one model, {@code fit} and {@code evaluate} hold the {@link LoraModel}'s monitor
 * ({@code synchronized (lora)}) for their whole duration: clients on the same model run one after
 * another whatever the grid's concurrency, and nothing else may use the model meanwhile.
 *
 * <p>{@code fit} activates the adapter, loads the parameters, trains {@value #LOCAL_STEPS} steps
 * (instruction config, else {@link LoraClientConfig#localSteps()}) of AdamW with a fresh optimizer
 * state, adding the FedProx term {@code mu/2 ||w - w_global||^2} when the config's {@value
 * #PROXIMAL_MU} is positive, and replies with the adapter's new tensors, its number of examples and
 * the mean training loss as metric {@value Reply#LOSS}. {@code evaluate} replies with the mean
 * per-token loss over its examples (LoRA dropout off).
 *
 * <p>With {@link LoraClientConfig#dpSgd()} set, local training is sample-level DP-SGD ({@link
 * io.persona4j.federated.privacy.DpSgdTrainer}: per-example clipping, Gaussian noise, AdamW on the
 * privatized gradient); the client's accountant lives as long as this app, so its epsilon budget
 * covers all rounds. The reply then also carries {@value #DP_EPSILON} (cumulative epsilon) and
 * {@value #DP_STEPS} (steps taken this round); once the budget allows no step, {@code fit} throws
 * and the round counts this client as failed.
 */
public final class LoraClientApp implements ClientApp {

  /** Config key: optimizer steps this round. */
  public static final String LOCAL_STEPS = "local_steps";

  /** Config key: FedProx proximal coefficient (0 or absent: plain local training). */
  public static final String PROXIMAL_MU = "proximal_mu";

  /** Reply metric: the client's cumulative DP-SGD epsilon after this round. */
  public static final String DP_EPSILON = "dp_sgd_epsilon";

  /** Reply metric: DP-SGD steps taken this round (fewer than asked once the budget is reached). */
  public static final String DP_STEPS = "dp_sgd_steps";

  private static final int EVAL_BATCH = 8;

  private final LlamaModel model;
  private final LoraModel lora;
  private final String adapter;
  private final List<Example> data;
  private final LoraClientConfig config;
  private final DpSgdLocalTraining dp;

  /**
   * A client training adapter {@code adapter} of {@code lora} (which adapts {@code model}) on
   * {@code data}.
   *
   * @throws IllegalArgumentException if the adapter does not exist or there are no examples
   */
  public LoraClientApp(
      LlamaModel model,
      LoraModel lora,
      String adapter,
      List<Example> data,
      LoraClientConfig config) {
    this(model, lora, adapter, data, config, RandomSource.secure());
  }

  /**
   * A client whose DP-SGD noise and sampling (if {@code config.dpSgd()} is set) come from {@code
   * dpRandom}; use a deterministic source in tests only.
   */
  public LoraClientApp(
      LlamaModel model,
      LoraModel lora,
      String adapter,
      List<Example> data,
      LoraClientConfig config,
      RandomSource dpRandom) {
    this.model = Objects.requireNonNull(model, "model");
    this.lora = Objects.requireNonNull(lora, "lora");
    if (!lora.adapters().contains(adapter)) {
      throw new IllegalArgumentException(
          "adapter '" + adapter + "' is not in the LoRA model " + lora.adapters());
    }
    if (data == null || data.isEmpty()) {
      throw new IllegalArgumentException("data must hold at least one example");
    }
    this.adapter = adapter;
    this.data = List.copyOf(data);
    this.config = Objects.requireNonNull(config, "config");
    this.dp =
        config.dpSgd() == null
            ? null
            : new DpSgdLocalTraining(
                config.dpSgd(), this.data.size(), Objects.requireNonNull(dpRandom, "dpRandom"));
  }

  /** The adapter this client trains. */
  public String adapter() {
    return adapter;
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    int steps = Math.toIntExact(Math.round(in.configDouble(LOCAL_STEPS, config.localSteps())));
    if (steps < 1) {
      throw new IllegalArgumentException(LOCAL_STEPS + " must be >= 1, got " + steps);
    }
    double mu = in.configDouble(PROXIMAL_MU, 0);
    if (!(mu >= 0) || !Double.isFinite(mu)) {
      throw new IllegalArgumentException(PROXIMAL_MU + " must be >= 0, got " + mu);
    }
    synchronized (lora) {
      lora.activate(adapter);
      LoraParameters.load(lora, adapter, in.parameters());
      long seed = config.seed() * 1_000_003L + in.round();
      TrainableParameters params = TrainableParameters.of(lora.trainableParameters());
      lora.train(true);
      if (dp != null) {
        try {
          return dpFit(in, params, steps, mu, seed);
        } finally {
          lora.train(false);
          params.freeze();
        }
      }
      try (NDManager anchors = TensorRuntime.newManager()) {
        TrainingObjective objective = CausalLmObjective.of(model);
        if (mu > 0) {
          objective = new ProximalObjective(objective, anchors(anchors), mu);
        }
        TrainingResult r;
        try (Trainer trainer =
            Trainer.builder()
                .setParameters(params)
                .setObjective(new LoraTrainingObjective(objective, lora))
                .setOptimizer(AdamW.builder().optWeightDecay(config.weightDecay()).build())
                .setSchedule(LearningRateSchedule.constant(config.learningRate()))
                .setTrainData(data)
                .setMaxSteps(steps)
                .optMicroBatchSize(Math.min(config.microBatchSize(), data.size()))
                .optMaxGradNorm(config.maxGradNorm())
                .optPadId(config.padId())
                .optSeed(seed)
                .addListener(new LoraDropoutReseeding(lora.units(adapter), seed))
                .build()) {
          r = trainer.train();
        }
        double meanLoss = 0;
        for (double l : r.losses()) {
          meanLoss += l / r.losses().length;
        }
        return Reply.ok(
            in, LoraParameters.read(lora, adapter), data.size(), Map.of(Reply.LOSS, meanLoss));
      } finally {
        lora.train(false);
        params.freeze();
      }
    }
  }

  private Reply dpFit(Instruction in, TrainableParameters params, int steps, double mu, long seed) {
    if (!dp.accountant().allowsAnotherStep()) {
      throw new IllegalStateException(
          "client "
              + in.clientId()
              + ": DP-SGD epsilon budget "
              + dp.accountant().budget()
              + " is spent (epsilon "
              + dp.accountant().epsilon()
              + " after "
              + dp.accountant().steps()
              + " steps); no more local training");
    }
    DpSgdResult r =
        dp.train(
            lora,
            adapter,
            params,
            m -> {
              TrainingObjective o = CausalLmObjective.of(model);
              return mu > 0 ? new ProximalObjective(o, anchors(m), mu) : o;
            },
            data,
            config,
            steps,
            seed);
    return Reply.ok(
        in,
        LoraParameters.read(lora, adapter),
        data.size(),
        Map.of(Reply.LOSS, r.meanLoss(), DP_EPSILON, r.epsilon(), DP_STEPS, (double) r.steps()));
  }

  @Override
  public Reply evaluate(Instruction in) {
    synchronized (lora) {
      lora.activate(adapter);
      LoraParameters.load(lora, adapter, in.parameters());
      lora.train(false);
      return Reply.ok(in, ParameterSet.empty(), data.size(), Map.of(Reply.LOSS, meanLoss()));
    }
  }

  /** Mean per-token loss of the active adapters on this client's examples (caller holds lock). */
  private double meanLoss() {
    CausalLmObjective objective = CausalLmObjective.of(model);
    TrainingObjective.Evaluation total = null;
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (int i = 0; i < data.size(); i += EVAL_BATCH) {
        List<Example> chunk = data.subList(i, Math.min(data.size(), i + EVAL_BATCH));
        try (NDManager m = TensorRuntime.newManager()) {
          TrainingObjective.Evaluation e = objective.evaluate(Batch.of(chunk, config.padId()), m);
          total = total == null ? e : total.plus(e);
        }
      }
    }
    return total.meanLoss();
  }

  /** Frozen copies of the adapter's A and B on {@code m}, paired with the live arrays. */
  private List<ProximalObjective.Anchor> anchors(NDManager m) {
    List<ProximalObjective.Anchor> out = new ArrayList<>();
    for (LoraUnit u : lora.units(adapter).values()) {
      for (NDArray p : List.of(u.a(), u.b())) {
        out.add(new ProximalObjective.Anchor(p, m.create(p.toFloatArray(), p.getShape())));
      }
    }
    return out;
  }
}
