/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SplitServer}. The learning rate, weight decay and gradient-norm bound must
 * equal the client's {@link SplitClientConfig} for a split step to equal an ordinary step.
 *
 * @param split the layer split, which must match the client's
 * @param learningRate constant AdamW learning rate of the server's layers, {@code > 0}
 * @param weightDecay AdamW decoupled weight decay, {@code >= 0}
 * @param stageDeadline how long the server waits for the client's reply to one stage, {@code > 0}
 * @param maxGradNorm global L2 gradient-norm bound over both parties' adapter tensors, as core's
 *     {@code Trainer.Builder.optMaxGradNorm}; 0 or {@code +inf} turns clipping off
 */
public record SplitServerConfig(
    SplitConfig split,
    double learningRate,
    double weightDecay,
    Duration stageDeadline,
    double maxGradNorm) {

  /** Default {@link #stageDeadline()}. */
  public static final Duration DEFAULT_STAGE_DEADLINE = Duration.ofMinutes(1);

  /** Validates the fields; errors name the field and value. */
  public SplitServerConfig {
    Objects.requireNonNull(split, "split");
    SplitClientConfig.requireLearningRate(learningRate);
    SplitClientConfig.requireWeightDecay(weightDecay);
    Objects.requireNonNull(stageDeadline, "stageDeadline");
    if (stageDeadline.isNegative() || stageDeadline.isZero()) {
      throw new IllegalArgumentException("stageDeadline must be > 0, got " + stageDeadline);
    }
    SplitClientConfig.requireMaxGradNorm(maxGradNorm);
  }

  /** A builder: {@code setSplit} and {@code setLearningRate} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether steps are clipped ({@code maxGradNorm} positive and finite). */
  public boolean clips() {
    return maxGradNorm > 0 && Double.isFinite(maxGradNorm);
  }

  /** Builds a {@link SplitServerConfig}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private SplitConfig split;
    private double learningRate = Double.NaN;
    private double weightDecay;
    private Duration stageDeadline = DEFAULT_STAGE_DEADLINE;
    private double maxGradNorm;

    private Builder() {}

    /** The layer split (required; must match the client's). */
    public Builder setSplit(SplitConfig split) {
      this.split = split;
      return this;
    }

    /** Constant AdamW learning rate (required). */
    public Builder setLearningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** AdamW decoupled weight decay (default 0). */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Per-stage deadline (default one minute). */
    public Builder optStageDeadline(Duration stageDeadline) {
      this.stageDeadline = stageDeadline;
      return this;
    }

    /** Global gradient-norm bound (default 0: no clipping). */
    public Builder optMaxGradNorm(double maxGradNorm) {
      this.maxGradNorm = maxGradNorm;
      return this;
    }

    /** The validated config. */
    public SplitServerConfig build() {
      return new SplitServerConfig(split, learningRate, weightDecay, stageDeadline, maxGradNorm);
    }
  }
}
