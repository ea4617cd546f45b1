/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Observes a training run. Calls come on the training thread, in this order: {@link #onTrainBegin},
 * then per step {@link #onStep} and, on evaluation steps, {@link #onEvaluation}, and finally {@link
 * #onTrainEnd} (also when the run fails or is stopped).
 *
 * <p>A listener whose behaviour depends on the past (early stopping, a plot of the whole curve)
 * gives its state a {@link #stateKey()}: it is then saved with every checkpoint and handed back by
 * {@link #restoreState} when a run resumes.
 */
public interface TrainingListener {
  default void onTrainBegin(TrainingContext context) {}

  default void onStep(TrainingContext context, StepMetrics metrics) {}

  default void onEvaluation(TrainingContext context, EvalMetrics metrics) {}

  /**
   * @param failure the exception ending the run, or null if it ended normally
   */
  default void onTrainEnd(TrainingContext context, Throwable failure) {}

  /** Key of this listener's state in checkpoints, unique per trainer; null if it has none. */
  default String stateKey() {
    return null;
  }

  /** The state to checkpoint (called only if {@link #stateKey()} is not null). */
  default JsonNode saveState() {
    return null;
  }

  /** Restores state saved by {@link #saveState()} when a run resumes from a checkpoint. */
  default void restoreState(JsonNode state) {}
}
