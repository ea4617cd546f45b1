/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of {@link Trainer#train()}.
 *
 * @param steps optimizer steps completed in total (including those before a resume)
 * @param history the steps run by this call, in order
 * @param evaluations the evaluations run by this call, in order
 * @param stopReason why the run ended before {@code maxSteps} (e.g. early stopping), or null
 * @param lastCheckpoint the newest checkpoint written by this call, or null
 */
public record TrainingResult(
    long steps,
    List<StepMetrics> history,
    List<EvalMetrics> evaluations,
    String stopReason,
    Path lastCheckpoint) {
  public TrainingResult {
    history = List.copyOf(history);
    evaluations = List.copyOf(evaluations);
  }

  /** The losses of {@link #history()}, in order. */
  public double[] losses() {
    return history.stream().mapToDouble(StepMetrics::loss).toArray();
  }
}
