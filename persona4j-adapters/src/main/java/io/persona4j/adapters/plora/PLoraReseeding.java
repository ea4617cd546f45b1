/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import io.persona4j.core.train.StepMetrics;
import io.persona4j.core.train.TrainingContext;
import io.persona4j.core.train.TrainingListener;

/**
 * Reseeds a {@link PLoraModel}'s dropouts (input, user vector, personalized) before each step from
 * (seed, module, step), so that a step's masks do not depend on how many steps ran in this process
 * (a resumed run draws the masks of an uninterrupted one).
 */
public final class PLoraReseeding implements TrainingListener {
  private final PLoraModel plora;
  private final long seed;

  /**
   * @param plora the adapter trained
   * @param seed the run's seed
   */
  public PLoraReseeding(PLoraModel plora, long seed) {
    this.plora = plora;
    this.seed = seed;
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    plora.reseed(seed, context.step());
  }

  @Override
  public void onStep(TrainingContext context, StepMetrics metrics) {
    plora.reseed(seed, metrics.step());
  }
}
