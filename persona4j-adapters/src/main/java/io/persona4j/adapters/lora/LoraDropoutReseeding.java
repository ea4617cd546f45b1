/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import io.persona4j.core.train.StepMetrics;
import io.persona4j.core.train.TrainingContext;
import io.persona4j.core.train.TrainingListener;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Reseeds every LoRA dropout before each step from (seed, module, step), so the masks of a step do
 * not depend on how many steps ran in this process: a run resumed from a checkpoint draws the same
 * masks as an uninterrupted one.
 */
public final class LoraDropoutReseeding implements TrainingListener {
  private final Map<String, LoraUnit> units;
  private final long seed;

  /**
   * @param units the adapter's units by module path (e.g. {@link LoraModel#units})
   * @param seed the run's seed
   */
  public LoraDropoutReseeding(Map<String, LoraUnit> units, long seed) {
    this.units = Map.copyOf(units);
    this.seed = seed;
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    reseed(context.step());
  }

  @Override
  public void onStep(TrainingContext context, StepMetrics metrics) {
    reseed(metrics.step());
  }

  /** Seeds the streams of step {@code step} (0-based, the next step to run). */
  public void reseed(long step) {
    for (Map.Entry<String, LoraUnit> e : units.entrySet()) {
      long s =
          new SplittableRandom(seed ^ (e.getKey().hashCode() * 0x9E3779B97F4A7C15L)).nextLong();
      e.getValue().dropout().reseed(new SplittableRandom(s + step).nextLong());
    }
  }
}
