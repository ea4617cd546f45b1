/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

/**
 * A peak learning rate times one of Hugging Face's schedule multipliers ({@code
 * transformers.optimization}), with {@code w = warmupSteps} and {@code n = totalSteps}:
 *
 * <pre>
 * warmup (s &lt; w):  s / max(1, w)
 * CONSTANT:         1
 * LINEAR:           max(0, (n - s) / max(1, n - w))
 * COSINE:           max(0, 0.5 * (1 + cos(pi * (s - w) / max(1, n - w))))
 * </pre>
 *
 * @param decay what follows the warmup
 * @param peakLearningRate the rate reached at the end of the warmup, finite and >= 0
 * @param warmupSteps >= 0
 * @param totalSteps for LINEAR and COSINE: >= warmupSteps, the step at which the rate reaches 0;
 *     ignored (use 0) for CONSTANT
 */
public record WarmupSchedule(
    Decay decay, double peakLearningRate, long warmupSteps, long totalSteps)
    implements LearningRateSchedule {

  /** The shape after warmup. */
  public enum Decay {
    CONSTANT,
    LINEAR,
    COSINE
  }

  public WarmupSchedule {
    if (decay == null) {
      throw new IllegalArgumentException("schedule decay is null");
    }
    if (!(peakLearningRate >= 0) || Double.isInfinite(peakLearningRate)) {
      throw new IllegalArgumentException(
          "learning rate must be finite and >= 0, got " + peakLearningRate);
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
    }
    if (decay != Decay.CONSTANT && totalSteps < warmupSteps) {
      throw new IllegalArgumentException(
          "total steps (" + totalSteps + ") must be >= warmup steps (" + warmupSteps + ")");
    }
  }

  @Override
  public double at(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    return peakLearningRate * multiplier(step);
  }

  /** The factor applied to the peak rate at {@code step}. */
  public double multiplier(long step) {
    if (step < warmupSteps) {
      return (double) step / Math.max(1, warmupSteps);
    }
    return switch (decay) {
      case CONSTANT -> 1.0;
      case LINEAR ->
          Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
      case COSINE -> {
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 2.0 * 0.5 * progress)));
      }
    };
  }
}
