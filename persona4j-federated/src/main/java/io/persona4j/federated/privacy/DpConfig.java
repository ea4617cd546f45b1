/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

/**
 * Settings of client-level DP-FedAvg ({@link DpFedAvg}).
 *
 * @param clipNorm L2 clip norm C of each client's update (the initial clip when adaptive), > 0
 * @param noiseMultiplier noise multiplier z: the summed update gets Gaussian noise of std {@code z
 *     * C}, >= 0 (0 gives no privacy and an infinite epsilon)
 * @param mode where the noise is added
 * @param population total number of clients the sample is drawn from (sampling rate {@code q =
 *     sampled / population}), >= 1
 * @param delta target delta of the (epsilon, delta) guarantee, in (0, 1)
 * @param epsilonBudget epsilon the run may spend, > 0 ({@code Double.POSITIVE_INFINITY} for none)
 * @param adaptive adaptive clipping settings, or null for a fixed clip
 */
public record DpConfig(
    double clipNorm,
    double noiseMultiplier,
    NoiseMode mode,
    int population,
    double delta,
    double epsilonBudget,
    AdaptiveClip adaptive) {

  /** Where the Gaussian noise is added. */
  public enum NoiseMode {
    /** The server adds {@code N(0, (zC)^2)} to the sum of clipped updates (trusted server). */
    CENTRAL,
    /**
     * Each of the n sampled clients adds {@code N(0, (zC)^2 / n)} to its clipped update ({@link
     * DistributedNoiseClient}); the sum carries std zC. Meant to be combined with secure
     * aggregation, so that the server only sees the noised sum.
     */
    DISTRIBUTED
  }

  /**
   * Adaptive clipping to a quantile of update norms (Andrew et al. 2021).
   *
   * @param targetQuantile target fraction of unclipped updates, in (0, 1)
   * @param learningRate geometric learning rate, > 0 (0.2 in the paper)
   * @param countNoiseStd std of the noise on the count of unclipped updates; must exceed z/2
   */
  public record AdaptiveClip(double targetQuantile, double learningRate, double countNoiseStd) {
    /** Validates the fields. */
    public AdaptiveClip {
      if (!(targetQuantile > 0 && targetQuantile < 1)) {
        throw new IllegalArgumentException(
            "targetQuantile must be in (0, 1), got " + targetQuantile);
      }
      if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
        throw new IllegalArgumentException(
            "learningRate must be finite and > 0, got " + learningRate);
      }
      if (!(countNoiseStd > 0) || Double.isInfinite(countNoiseStd)) {
        throw new IllegalArgumentException(
            "countNoiseStd must be finite and > 0, got " + countNoiseStd);
      }
    }
  }

  /** Validates the fields. */
  public DpConfig {
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("clipNorm must be finite and > 0, got " + clipNorm);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (mode == null) {
      throw new IllegalArgumentException("mode must not be null");
    }
    if (population < 1) {
      throw new IllegalArgumentException("population must be >= 1, got " + population);
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (!(epsilonBudget > 0)) {
      throw new IllegalArgumentException("epsilonBudget must be > 0, got " + epsilonBudget);
    }
    if (adaptive != null && !(adaptive.countNoiseStd() > noiseMultiplier / 2)) {
      throw new IllegalArgumentException(
          "adaptive.countNoiseStd must exceed noiseMultiplier/2 = "
              + noiseMultiplier / 2
              + ", got "
              + adaptive.countNoiseStd());
    }
  }

  /**
   * A builder: {@code setClipNorm}, {@code setNoiseMultiplier}, {@code setPopulation} and {@code
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
    b.mode = mode;
    b.population = population;
    b.delta = delta;
    b.epsilonBudget = epsilonBudget;
    b.adaptive = adaptive;
    return b;
  }

  /** Builds a {@link DpConfig}; the record's constructor validates. */
  public static final class Builder {
    private double clipNorm = Double.NaN;
    private double noiseMultiplier = Double.NaN;
    private NoiseMode mode = NoiseMode.CENTRAL;
    private int population;
    private double delta = Double.NaN;
    private double epsilonBudget = Double.POSITIVE_INFINITY;
    private AdaptiveClip adaptive;

    private Builder() {}

    /** Required: the L2 clip norm C of each client's update (the initial clip when adaptive). */
    public Builder setClipNorm(double clipNorm) {
      this.clipNorm = clipNorm;
      return this;
    }

    /** Required: the noise multiplier z. */
    public Builder setNoiseMultiplier(double noiseMultiplier) {
      this.noiseMultiplier = noiseMultiplier;
      return this;
    }

    /** Required: the number of clients the sample is drawn from. */
    public Builder setPopulation(int population) {
      this.population = population;
      return this;
    }

    /** Required: the target delta of the (epsilon, delta) guarantee. */
    public Builder setDelta(double delta) {
      this.delta = delta;
      return this;
    }

    /** Where the noise is added; default {@link NoiseMode#CENTRAL}. */
    public Builder optMode(NoiseMode mode) {
      this.mode = mode;
      return this;
    }

    /** The epsilon the run may spend; default none ({@code Double.POSITIVE_INFINITY}). */
    public Builder optEpsilonBudget(double epsilonBudget) {
      this.epsilonBudget = epsilonBudget;
      return this;
    }

    /** Adaptive clipping; default none (a fixed clip). */
    public Builder optAdaptive(AdaptiveClip adaptive) {
      this.adaptive = adaptive;
      return this;
    }

    /** The config. */
    public DpConfig build() {
      return new DpConfig(
          clipNorm, noiseMultiplier, mode, population, delta, epsilonBudget, adaptive);
    }
  }
}
