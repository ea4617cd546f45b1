/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

/**
 * The learning rate of each optimizer step.
 *
 * <p>Steps count from 0 as Hugging Face's {@code LambdaLR} schedules do: {@code at(0)} is the rate
 * of the first optimizer step, so a schedule with warmup starts at 0.
 */
@FunctionalInterface
public interface LearningRateSchedule {
  /** The learning rate of optimizer step {@code step} (0-based). */
  double at(long step);

  /** A fixed rate. */
  static LearningRateSchedule constant(double lr) {
    return new WarmupSchedule(WarmupSchedule.Decay.CONSTANT, lr, 0, 0);
  }

  /** {@code get_constant_schedule_with_warmup}: linear warmup to {@code lr}, then constant. */
  static LearningRateSchedule warmupConstant(double lr, long warmupSteps) {
    return new WarmupSchedule(WarmupSchedule.Decay.CONSTANT, lr, warmupSteps, 0);
  }

  /** {@code get_linear_schedule_with_warmup}: linear warmup, then linear decay to 0. */
  static LearningRateSchedule warmupLinear(double lr, long warmupSteps, long totalSteps) {
    return new WarmupSchedule(WarmupSchedule.Decay.LINEAR, lr, warmupSteps, totalSteps);
  }

  /**
   * {@code get_cosine_schedule_with_warmup} (half a cosine period): linear warmup, then cosine
   * decay to 0 at {@code totalSteps}.
   */
  static LearningRateSchedule warmupCosine(double lr, long warmupSteps, long totalSteps) {
    return new WarmupSchedule(WarmupSchedule.Decay.COSINE, lr, warmupSteps, totalSteps);
  }
}
