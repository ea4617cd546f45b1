/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

/**
 * Training settings of a {@link SplitClientApp}. With {@code maxGradNorm > 0} (finite) the client
 * clips as core's {@code Trainer} does, by the global norm over both parties: it defers its updates
 * to an extra {@link SplitStage#CLIP_STEP} stage that carries the scale the server computed. The
 * server's {@link SplitServerConfig} must carry the same learning rate, weight decay and bound.
 *
 * @param learningRate constant AdamW learning rate of the client's layers, {@code > 0}
 * @param weightDecay AdamW decoupled weight decay, {@code >= 0}
 * @param batchSize examples per step, {@code >= 1}
 * @param seed seed of the data order
 * @param shuffle whether each epoch visits the examples in a seeded random order (core's {@code
 *     DataOrder}, the order core's {@code Trainer} uses for the same seed), or in list order
 * @param padId padding token id, {@code >= 0}
 * @param maxGradNorm global L2 gradient-norm bound over the client's and server's adapter tensors;
 *     0 or {@code +inf} turns clipping off
 */
public record SplitClientConfig(
    double learningRate,
    double weightDecay,
    int batchSize,
    long seed,
    boolean shuffle,
    long padId,
    double maxGradNorm) {

  /** Validates the fields; errors name the field and value. */
  public SplitClientConfig {
    requireLearningRate(learningRate);
    requireWeightDecay(weightDecay);
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (padId < 0) {
      throw new IllegalArgumentException("padId must be >= 0, got " + padId);
    }
    requireMaxGradNorm(maxGradNorm);
  }

  /** A builder: {@code setLearningRate} and {@code setBatchSize} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether steps are clipped ({@code maxGradNorm} positive and finite). */
  public boolean clips() {
    return maxGradNorm > 0 && Double.isFinite(maxGradNorm);
  }

  static void requireLearningRate(double learningRate) {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
    }
  }

  static void requireWeightDecay(double weightDecay) {
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
    }
  }

  static void requireMaxGradNorm(double maxGradNorm) {
    if (!(maxGradNorm >= 0)) {
      throw new IllegalArgumentException(
          "maxGradNorm must be >= 0 (0 or +inf: off), got " + maxGradNorm);
    }
  }

  /** Builds a {@link SplitClientConfig}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private double learningRate = Double.NaN;
    private double weightDecay;
    private int batchSize;
    private long seed = 42;
    private boolean shuffle = true;
    private long padId;
    private double maxGradNorm;

    private Builder() {}

    /** Constant AdamW learning rate (required). */
    public Builder setLearningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** Examples per step (required). */
    public Builder setBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** AdamW decoupled weight decay (default 0). */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Seed of the data order (default 42, as core's Trainer). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Whether epochs are shuffled (default true). */
    public Builder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** Padding token id (default 0). */
    public Builder optPadId(long padId) {
      this.padId = padId;
      return this;
    }

    /** Global gradient-norm bound (default 0: no clipping). */
    public Builder optMaxGradNorm(double maxGradNorm) {
      this.maxGradNorm = maxGradNorm;
      return this;
    }

    /** The validated config. */
    public SplitClientConfig build() {
      return new SplitClientConfig(
          learningRate, weightDecay, batchSize, seed, shuffle, padId, maxGradNorm);
    }
  }
}
