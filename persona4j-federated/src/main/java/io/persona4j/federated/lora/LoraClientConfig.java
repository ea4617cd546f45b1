/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.lora;

import io.persona4j.federated.privacy.DpSgdConfig;

/**
 * Local training settings of a {@link LoraClientApp}. Build with {@link #builder()}: {@code
 * setLearningRate} and {@code setLocalSteps} are required, the rest optional.
 *
 * <pre>{@code
 * LoraClientConfig c = LoraClientConfig.builder().setLearningRate(1e-3).setLocalSteps(5)
 *     .optMicroBatchSize(8).optDpSgd(DpSgdConfig.builder().setClipNorm(1.0).setNoiseMultiplier(1.1).setBatchSize(8).setDelta(1e-5).build()).build();
 * }</pre>
 *
 * @param learningRate constant AdamW learning rate, finite and {@code > 0}
 * @param localSteps optimizer steps per round unless the instruction's {@value
 *     LoraClientApp#LOCAL_STEPS} overrides it, {@code >= 1}
 * @param microBatchSize examples per step, {@code >= 1} (default 4)
 * @param maxGradNorm global gradient-norm clip, or 0 for none, {@code >= 0} (default 1)
 * @param weightDecay AdamW decoupled weight decay, {@code >= 0} (default 0)
 * @param seed base seed of data order and LoRA dropout, combined with the round number (default 0)
 * @param padId padding token id (default 0)
 * @param dpSgd sample-level DP-SGD for local training, or null for ordinary training (then {@code
 *     microBatchSize} and {@code maxGradNorm} apply; with DP-SGD the batch size and per-example
 *     clip come from this section) (default null)
 */
public record LoraClientConfig(
    double learningRate,
    int localSteps,
    int microBatchSize,
    double maxGradNorm,
    double weightDecay,
    long seed,
    long padId,
    DpSgdConfig dpSgd) {

  /** Validates the fields. */
  public LoraClientConfig {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
    }
    if (localSteps < 1) {
      throw new IllegalArgumentException("localSteps must be >= 1, got " + localSteps);
    }
    if (microBatchSize < 1) {
      throw new IllegalArgumentException("microBatchSize must be >= 1, got " + microBatchSize);
    }
    if (!(maxGradNorm >= 0) || !Double.isFinite(maxGradNorm)) {
      throw new IllegalArgumentException("maxGradNorm must be >= 0, got " + maxGradNorm);
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
    }
  }

  /** A builder; learning rate and local steps are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link LoraClientConfig}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private Double learningRate;
    private Integer localSteps;
    private int microBatchSize = 4;
    private double maxGradNorm = 1.0;
    private double weightDecay;
    private long seed;
    private long padId;
    private DpSgdConfig dpSgd;

    private Builder() {}

    /** Constant AdamW learning rate (required). */
    public Builder setLearningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** Optimizer steps per round (required). */
    public Builder setLocalSteps(int localSteps) {
      this.localSteps = localSteps;
      return this;
    }

    /** Examples per step (default 4). */
    public Builder optMicroBatchSize(int microBatchSize) {
      this.microBatchSize = microBatchSize;
      return this;
    }

    /** Global gradient-norm clip, 0 for none (default 1). */
    public Builder optMaxGradNorm(double maxGradNorm) {
      this.maxGradNorm = maxGradNorm;
      return this;
    }

    /** AdamW decoupled weight decay (default 0). */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Base seed of data order and LoRA dropout (default 0). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Padding token id (default 0). */
    public Builder optPadId(long padId) {
      this.padId = padId;
      return this;
    }

    /** Sample-level DP-SGD for local training (default none: ordinary training). */
    public Builder optDpSgd(DpSgdConfig dpSgd) {
      this.dpSgd = dpSgd;
      return this;
    }

    /** The validated config. */
    public LoraClientConfig build() {
      if (learningRate == null || localSteps == null) {
        throw new IllegalArgumentException(
            "setLearningRate and setLocalSteps are required, got learningRate "
                + learningRate
                + ", localSteps "
                + localSteps);
      }
      return new LoraClientConfig(
          learningRate, localSteps, microBatchSize, maxGradNorm, weightDecay, seed, padId, dpSgd);
    }
  }
}
