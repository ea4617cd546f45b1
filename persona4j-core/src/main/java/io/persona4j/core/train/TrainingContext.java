/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

/** What listeners can see of, and ask from, a running training loop. */
public interface TrainingContext {
  /** Optimizer steps completed. */
  long step();

  /** The step the run ends at. */
  long maxSteps();

  TrainerConfig config();

  /** Ends the run after the current step (and its evaluation and checkpoint). */
  void requestStop(String reason);
}
