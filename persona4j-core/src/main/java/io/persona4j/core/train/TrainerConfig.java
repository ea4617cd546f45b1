/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import java.nio.file.Path;

/**
 * Settings of a training run (validated; see {@link Trainer.Builder} for the defaults).
 *
 * @param maxSteps optimizer steps to train for, >= 1
 * @param microBatchSize examples per forward/backward pass, >= 1
 * @param gradientAccumulation micro-batches per optimizer step, >= 1
 * @param maxGradNorm global gradient norm clip, or 0 for none
 * @param seed seeds the data order and, per step, the engine's generator
 * @param shuffle whether each epoch visits the examples in a new random order
 * @param padId token id used for right padding
 * @param evalEvery evaluate every this many steps (and after the last), 0 for never
 * @param evalBatchSize examples per evaluation batch, >= 1
 * @param checkpointDir where checkpoints go, or null for none
 * @param checkpointEvery checkpoint every this many steps (and after the last), 0 for only after
 *     the last; ignored without a checkpoint directory
 * @param keepCheckpoints how many of the newest checkpoints to keep, 0 for all
 */
public record TrainerConfig(
    long maxSteps,
    int microBatchSize,
    int gradientAccumulation,
    double maxGradNorm,
    long seed,
    boolean shuffle,
    long padId,
    int evalEvery,
    int evalBatchSize,
    Path checkpointDir,
    int checkpointEvery,
    int keepCheckpoints) {

  public TrainerConfig {
    require(maxSteps >= 1, "maxSteps", maxSteps, ">= 1");
    require(microBatchSize >= 1, "microBatchSize", microBatchSize, ">= 1");
    require(gradientAccumulation >= 1, "gradientAccumulation", gradientAccumulation, ">= 1");
    require(
        maxGradNorm >= 0 && !Double.isInfinite(maxGradNorm),
        "maxGradNorm",
        maxGradNorm,
        "finite and >= 0 (0 = no clipping)");
    require(padId >= 0, "padId", padId, ">= 0");
    require(evalEvery >= 0, "evalEvery", evalEvery, ">= 0 (0 = never)");
    require(evalBatchSize >= 1, "evalBatchSize", evalBatchSize, ">= 1");
    require(checkpointEvery >= 0, "checkpointEvery", checkpointEvery, ">= 0");
    require(keepCheckpoints >= 0, "keepCheckpoints", keepCheckpoints, ">= 0 (0 = keep all)");
  }

  /** Examples per optimizer step. */
  public long examplesPerStep() {
    return (long) microBatchSize * gradientAccumulation;
  }

  private static void require(boolean ok, String field, Object value, String expectation) {
    if (!ok) {
      throw new IllegalArgumentException(
          "trainer setting " + field + " = " + value + " is invalid: must be " + expectation);
    }
  }
}
