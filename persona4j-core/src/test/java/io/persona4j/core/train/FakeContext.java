/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

/** A training context for listener unit tests. */
final class FakeContext implements TrainingContext {
  long step;
  final long maxSteps;
  String stopReason;

  FakeContext(long maxSteps) {
    this.maxSteps = maxSteps;
  }

  @Override
  public long step() {
    return step;
  }

  @Override
  public long maxSteps() {
    return maxSteps;
  }

  @Override
  public TrainerConfig config() {
    return new TrainerConfig(maxSteps, 1, 1, 0, 0, false, 0, 0, 1, null, 0, 0);
  }

  @Override
  public void requestStop(String reason) {
    stopReason = reason;
  }

  static StepMetrics step(long step, double loss) {
    return new StepMetrics(step, loss, 1e-3, 0.5, 10, 100, 0.01, step / 10.0);
  }
}
