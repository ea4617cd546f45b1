/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One optimizer step, as every trainer in Persona4j takes it: {@link Trainer} (and so federated
 * LoRA and SecFPP clients, which train through it) and both parties of split learning. Equal inputs
 * give equal steps because they all run this code:
 *
 * <ol>
 *   <li>{@link #seedEngine}: the engine's generator is seeded from (seed, step), so a step's random
 *       draws do not depend on how many steps ran in this process;
 *   <li>the step's examples in {@link DataOrder} (micro-batches of the step taken in turn);
 *   <li>each micro-batch's summed loss divided by the target count of the whole step ({@link
 *       #meanLoss}), and its backward pass;
 *   <li>global-norm clipping ({@link GradientClipping}) or, without it, the norm alone;
 *   <li>{@link #requireFinite}: a non-finite loss or norm stops training before any update;
 *   <li>the optimizer's update at the step's learning rate of every parameter the objective did not
 *       freeze for this step ({@link TrainingObjective#frozenThisStep}), then gradients zeroed.
 * </ol>
 *
 * A split step runs the same pieces on two parties: the client takes the batch, the loss and the
 * loss check, the parties add their squared gradient norms for one {@link GradientClipping#scale},
 * and each updates its own tensors.
 */
public final class TrainingStep {

  /**
   * What {@link #run} did.
   *
   * @param loss mean loss per target over the step's micro-batches
   * @param gradNorm global gradient norm before clipping
   * @param targets targets the loss averaged over (tokens or examples)
   * @param tokens real input tokens processed
   */
  public record Result(double loss, double gradNorm, long targets, long tokens) {}

  private TrainingStep() {}

  /** Seeds the engine's generator for step {@code step} (0-based) of a run seeded {@code seed}. */
  public static void seedEngine(long seed, long step) {
    TensorRuntime.engine().setRandomSeed(Long.hashCode(seed * 0x9E3779B97F4A7C15L + step));
  }

  /**
   * {@code lossSum / targets} as a scalar on {@code m}. The divisor is an array on {@code m} rather
   * than a Java number: DJL turns {@code div(number)} into a temporary array whose native memory
   * autograd still reads in the backward pass after DJL has freed it (see {@link Autograd}).
   *
   * @param targets the target count of the whole step (all its micro-batches)
   */
  public static NDArray meanLoss(NDArray lossSum, long targets, NDManager m) {
    return lossSum.div(m.create((float) targets));
  }

  /**
   * One whole step on one party: seeds the engine ({@link #seedEngine}), runs forward and backward
   * on each micro-batch, clips, checks and updates.
   *
   * @param seed the run's seed
   * @param step the step about to run, 0-based
   * @param microBatches the step's micro-batches, in order (taken from a {@link DataOrder})
   * @param maxGradNorm global-norm bound, or 0 for no clipping
   * @param manager parent of the step's temporary arrays
   * @throws TrainingDivergedException if the loss or gradient norm is not finite (gradients are
   *     zeroed, nothing updated)
   */
  public static Result run(
      long seed,
      long step,
      List<Batch> microBatches,
      TrainingObjective objective,
      TrainableParameters params,
      Optimizer optimizer,
      double learningRate,
      double maxGradNorm,
      NDManager manager) {
    Objects.requireNonNull(objective, "objective");
    if (microBatches.isEmpty()) {
      throw new IllegalArgumentException("a step needs at least one micro-batch");
    }
    seedEngine(seed, step);
    long targets = 0;
    long tokens = 0;
    for (Batch b : microBatches) {
      targets += b.targetCount();
      tokens += b.tokenCount();
    }
    params.zeroGradients();
    double loss = 0;
    for (Batch b : microBatches) {
      try (NDManager m = manager.newSubManager()) {
        NDArray l;
        try (Autograd.Recording ignored = Autograd.record()) {
          l = meanLoss(objective.lossSum(b, m), targets, m);
        }
        Autograd.backward(l, m.ones(l.getShape()));
        loss += l.getFloat();
      }
    }
    double norm =
        maxGradNorm > 0 ? GradientClipping.clip(params, maxGradNorm) : params.gradientNorm();
    try {
      requireFinite(step + 1, loss, norm, learningRate);
    } catch (TrainingDivergedException e) {
      params.zeroGradients();
      throw e;
    }
    Set<String> frozen = objective.frozenThisStep();
    TrainableParameters updated = frozen.isEmpty() ? params : params.without(frozen);
    if (updated.size() > 0) {
      optimizer.step(updated, learningRate);
    }
    params.zeroGradients();
    return new Result(loss, norm, targets, tokens);
  }

  /**
   * Stops a step whose loss or gradient norm is not finite.
   *
   * @param step the step, 1-based (for the message)
   * @throws TrainingDivergedException naming step, loss, norm and learning rate
   */
  public static void requireFinite(long step, double loss, double gradNorm, double learningRate) {
    if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
      throw new TrainingDivergedException(step, loss, gradNorm, true, learningRate);
    }
  }

  /**
   * Stops a step whose loss is not finite, where the gradient norm is not known yet (a split
   * client's tail, before it sends the gradient back).
   *
   * @param step the step, 1-based (for the message)
   * @throws TrainingDivergedException naming step, loss and learning rate
   */
  public static void requireFiniteLoss(long step, double loss, double learningRate) {
    if (!Double.isFinite(loss)) {
      throw new TrainingDivergedException(step, loss, Double.NaN, false, learningRate);
    }
  }
}
