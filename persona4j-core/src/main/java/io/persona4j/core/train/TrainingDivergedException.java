/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

/**
 * A training step produced a non-finite loss or gradient norm. No parameter was updated by the
 * step; the message names the step (1-based), the loss, the gradient norm where it was measured,
 * the learning rate and the usual remedies.
 */
public final class TrainingDivergedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final long step;

  /**
   * @param step the step that diverged, 1-based
   * @param loss its loss
   * @param gradNorm its global gradient norm, or NaN where it was not measured (with {@code
   *     measured} false)
   * @param measured whether {@code gradNorm} was measured
   * @param learningRate the step's learning rate
   */
  TrainingDivergedException(
      long step, double loss, double gradNorm, boolean measured, double learningRate) {
    super(
        "step "
            + step
            + ": loss "
            + loss
            + (measured ? ", gradient norm " + gradNorm : "")
            + " (learning rate "
            + learningRate
            + "): training diverged; lower the learning rate or clip gradients");
    this.step = step;
  }

  /** The step that diverged, 1-based. */
  public long step() {
    return step;
  }
}
