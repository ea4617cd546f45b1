/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Optimizer;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.TrainingObjective;
import io.persona4j.privacy.RandomSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Sample-level DP-SGD (Abadi et al., CCS 2016) on core's training pieces: a {@link
 * TrainingObjective}, {@link TrainableParameters} and any {@link Optimizer} (the optimizer only
 * post-processes the privatized gradient, so DP-Adam/AdamW keep the guarantee).
 *
 * <p>Each step: draw a batch ({@link DpSgdConfig.Sampling}, randomness from the {@link
 * RandomSource}); compute, clip and sum the per-example gradients ({@link PerExampleClipping},
 * micro-batches of one); add {@code N(0, (sigma C)^2)} per coordinate; divide by B; let the
 * optimizer step at the scheduled learning rate. Before every step the {@link DpSgdAccountant}
 * checks that the step keeps epsilon within the budget; if not, training stops there and the result
 * says so. The accountant may be shared across calls and rounds (one per client), so the budget
 * covers all of a client's local training.
 *
 * <p>Noise and sampling come from {@link RandomSource#secure()} unless a source is given
 * (deterministic sources only in tests). Engine randomness (dropout) can be reseeded per step
 * through {@link #onBeforeStep}.
 */
public final class DpSgdTrainer {
  private final TrainableParameters params;
  private final Optimizer optimizer;
  private final LearningRateSchedule schedule;
  private final List<Example> data;
  private final DpSgdConfig config;
  private final DpSgdAccountant accountant;
  private final RandomSource random;
  private final PerExampleClipping clipping;
  private LongConsumer beforeStep = s -> {};
  private int[] permutation;
  private int cursor;
  private long step;

  /**
   * @param params trainable tensors
   * @param objective the loss
   * @param optimizer applies the privatized gradient (the caller closes it)
   * @param schedule learning rate by step (counted from 0 per trainer)
   * @param data the client's examples (N of them; {@code q = B / N})
   * @param config DP-SGD settings
   * @param accountant the client's accountant (its q, sigma and delta must match config and data)
   * @param random noise and sampling randomness
   * @param padId padding id
   */
  public DpSgdTrainer(
      TrainableParameters params,
      TrainingObjective objective,
      Optimizer optimizer,
      LearningRateSchedule schedule,
      List<Example> data,
      DpSgdConfig config,
      DpSgdAccountant accountant,
      RandomSource random,
      long padId) {
    this.params = Objects.requireNonNull(params, "params");
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    this.schedule = Objects.requireNonNull(schedule, "schedule");
    if (data == null || data.isEmpty()) {
      throw new IllegalArgumentException("DP-SGD needs at least one example");
    }
    this.data = List.copyOf(data);
    this.config = Objects.requireNonNull(config, "config");
    this.accountant = Objects.requireNonNull(accountant, "accountant");
    double q = (double) config.batchSize() / data.size();
    if (config.batchSize() > data.size()) {
      throw new IllegalArgumentException(
          "dp_sgd batchSize " + config.batchSize() + " exceeds the " + data.size() + " examples");
    }
    if (Math.abs(accountant.samplingRate() - q) > 1e-12
        || accountant.noiseMultiplier() != config.noiseMultiplier()
        || accountant.delta() != config.delta()) {
      throw new IllegalArgumentException(
          "accountant (q="
              + accountant.samplingRate()
              + ", sigma="
              + accountant.noiseMultiplier()
              + ", delta="
              + accountant.delta()
              + ") does not match config and data (q="
              + q
              + ", sigma="
              + config.noiseMultiplier()
              + ", delta="
              + config.delta()
              + ")");
    }
    this.random = Objects.requireNonNull(random, "random");
    this.clipping = new PerExampleClipping(params, objective, padId);
  }

  /** Called with the step index (0-based, per trainer) before each step, e.g. to reseed dropout. */
  public DpSgdTrainer onBeforeStep(LongConsumer hook) {
    this.beforeStep = Objects.requireNonNull(hook, "hook");
    return this;
  }

  /**
   * Runs up to {@code maxSteps} DP-SGD steps, fewer if the budget stops it.
   *
   * @throws IllegalStateException if a gradient becomes non-finite
   */
  public DpSgdResult train(long maxSteps) {
    if (maxSteps < 0) {
      throw new IllegalArgumentException("maxSteps must be >= 0, got " + maxSteps);
    }
    clipping.ensureGradientBuffers(data.get(0));
    List<Double> losses = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    long examples = 0;
    long clipped = 0;
    String stop = null;
    for (long i = 0; i < maxSteps; i++) {
      if (!accountant.allowsAnotherStep()) {
        stop =
            "epsilon budget "
                + accountant.budget()
                + " reached: "
                + accountant.steps()
                + " steps spent epsilon "
                + accountant.epsilon()
                + " (delta "
                + accountant.delta()
                + "), one more step would reach "
                + accountant.epsilonAfter(accountant.steps() + 1);
        break;
      }
      beforeStep.accept(step);
      List<Example> batch = sample();
      try (NDManager m = TensorRuntime.newManager()) {
        PerExampleClipping.ClippedSum sum = clipping.clippedSum(batch, config.clipNorm(), m);
        clipping.writeNoisyMean(sum, config.sumNoiseStd(), config.batchSize(), random);
        optimizer.step(params, schedule.at(step));
        params.zeroGradients();
        losses.add(sum.meanLoss());
        sizes.add(batch.size());
        examples += batch.size();
        clipped += sum.clipped();
      }
      accountant.recordStep();
      step++;
    }
    return new DpSgdResult(
        losses.size(),
        losses.stream().mapToDouble(Double::doubleValue).toArray(),
        sizes.stream().mapToInt(Integer::intValue).toArray(),
        examples == 0 ? Double.NaN : (double) clipped / examples,
        accountant.epsilon(),
        accountant.delta(),
        stop);
  }

  /** The next batch: Poisson with q = B / N, or the next B of a per-epoch permutation. */
  List<Example> sample() {
    List<Example> batch = new ArrayList<>();
    if (config.sampling() == DpSgdConfig.Sampling.POISSON) {
      double q = (double) config.batchSize() / data.size();
      for (Example e : data) {
        if (q >= 1 || random.nextDouble() < q) {
          batch.add(e);
        }
      }
      return batch;
    }
    for (int k = 0; k < config.batchSize(); k++) {
      if (permutation == null || cursor == permutation.length) {
        permutation = shuffled(data.size());
        cursor = 0;
      }
      batch.add(data.get(permutation[cursor++]));
    }
    return batch;
  }

  private int[] shuffled(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = (int) random.nextLong(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
