/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

/**
 * Settings of sample-level DP-SGD in local training ({@link DpSgdTrainer}).
 *
 * <p>Each step samples a batch, computes every sampled example's gradient separately, clips it to
 * L2 norm {@code clipNorm}, sums, adds {@code N(0, (noiseMultiplier * clipNorm)^2)} per coordinate
 * and divides by {@code batchSize} (Abadi et al., "Deep Learning with Differential Privacy", CCS
 * 2016). The accountant composes the Poisson-subsampled Gaussian mechanism with {@code q =
 * batchSize / N}, N the number of local examples.
 *
 * @param clipNorm per-example L2 clip norm C, {@code > 0}; {@code Double.POSITIVE_INFINITY} means
 *     no clipping and is only allowed with {@code noiseMultiplier == 0} (no privacy: for testing
 *     and for measuring the cost of the per-example machinery)
 * @param noiseMultiplier sigma, {@code >= 0} and finite (0: no noise, infinite epsilon)
 * @param batchSize the (expected) batch size B, {@code >= 1}; also the divisor of the noisy sum
 * @param sampling how batches are drawn
 * @param delta the delta of the reported (epsilon, delta), in (0, 1)
 * @param epsilonBudget the epsilon local training may spend over all rounds, {@code > 0} ({@code
 *     Double.POSITIVE_INFINITY} for none); training stops before a step that would exceed it
 */
public record DpSgdConfig(
    double clipNorm,
    double noiseMultiplier,
    int batchSize,
    Sampling sampling,
    double delta,
    double epsilonBudget) {

  /** How a step's batch is drawn. */
  public enum Sampling {
    /**
     * Each example independently with probability {@code q = B / N} (variable batch size, divided
     * by the expected size B): the sampling the RDP accountant's guarantee assumes.
     */
    POISSON,
    /**
     * Exactly B examples per step, consecutive slices of a fresh random permutation per epoch. The
     * accountant still reports the Poisson bound for {@code q = B / N}, the common approximation
     * (not a proven guarantee for this sampling).
     */
    SHUFFLE
  }

  /** Validates the fields. */
  public DpSgdConfig {
    if (!(clipNorm > 0)) {
      throw new IllegalArgumentException("dp_sgd clipNorm must be > 0, got " + clipNorm);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "dp_sgd noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (Double.isInfinite(clipNorm) && noiseMultiplier != 0) {
      throw new IllegalArgumentException(
          "dp_sgd clipNorm is infinite, so noiseMultiplier must be 0, got " + noiseMultiplier);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("dp_sgd batchSize must be >= 1, got " + batchSize);
    }
    if (sampling == null) {
      throw new IllegalArgumentException("dp_sgd sampling must not be null");
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("dp_sgd delta must be in (0, 1), got " + delta);
    }
    if (!(epsilonBudget > 0)) {
      throw new IllegalArgumentException("dp_sgd epsilonBudget must be > 0, got " + epsilonBudget);
    }
  }

  /**
   * A builder: {@code setClipNorm}, {@code setNoiseMultiplier}, {@code setBatchSize} and {@code
   * setDelta} are required.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.clipNorm = clipNorm;
    b.noiseMultiplier = noiseMultiplier;
    b.batchSize = batchSize;
    b.sampling = sampling;
    b.delta = delta;
    b.epsilonBudget = epsilonBudget;
    return b;
  }

  /** Builds a {@link DpSgdConfig}; the record's constructor validates. */
  public static final class Builder {
    private double clipNorm = Double.NaN;
    private double noiseMultiplier = Double.NaN;
    private int batchSize;
    private Sampling sampling = Sampling.POISSON;
    private double delta = Double.NaN;
    private double epsilonBudget = Double.POSITIVE_INFINITY;

    private Builder() {}

    /** Required: the per-example L2 clip norm C. */
    public Builder setClipNorm(double clipNorm) {
      this.clipNorm = clipNorm;
      return this;
    }

    /** Required: the noise multiplier sigma. */
    public Builder setNoiseMultiplier(double noiseMultiplier) {
      this.noiseMultiplier = noiseMultiplier;
      return this;
    }

    /** Required: the (expected) batch size B. */
    public Builder setBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Required: the delta of the reported (epsilon, delta). */
    public Builder setDelta(double delta) {
      this.delta = delta;
      return this;
    }

    /** How batches are drawn; default {@link Sampling#POISSON}. */
    public Builder optSampling(Sampling sampling) {
      this.sampling = sampling;
      return this;
    }

    /** The epsilon local training may spend; default none ({@code Double.POSITIVE_INFINITY}). */
    public Builder optEpsilonBudget(double epsilonBudget) {
      this.epsilonBudget = epsilonBudget;
      return this;
    }

    /** The config. */
    public DpSgdConfig build() {
      return new DpSgdConfig(clipNorm, noiseMultiplier, batchSize, sampling, delta, epsilonBudget);
    }
  }

  /** The std of the noise added to the clipped sum, {@code noiseMultiplier * clipNorm}. */
  public double sumNoiseStd() {
    return noiseMultiplier == 0 ? 0 : noiseMultiplier * clipNorm;
  }
}
