/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.federated.privacy.DpConfig;

/**
 * Client-level DP-FedAvg of a federated run ({@code dp} in {@code server.json}): each update
 * clipped to L2 norm {@code clip}, Gaussian noise of std {@code noiseMultiplier * clip} on the sum,
 * an RDP accountant at {@code delta}, and a stop before a round that would exceed {@code
 * epsilonBudget}.
 *
 * @param clip L2 clip norm of each client's update, finite and {@code > 0}
 * @param noiseMultiplier noise multiplier z, finite and {@code >= 0}
 * @param delta target delta, in (0, 1)
 * @param epsilonBudget epsilon the run may spend, {@code > 0} ({@code Double.POSITIVE_INFINITY}: no
 *     budget)
 * @param mode where the noise is added, or null for the default: {@link
 *     DpConfig.NoiseMode#DISTRIBUTED} with secure aggregation, else {@link
 *     DpConfig.NoiseMode#CENTRAL}
 */
public record DpSettings(
    double clip,
    double noiseMultiplier,
    double delta,
    double epsilonBudget,
    DpConfig.NoiseMode mode) {

  /** Validates; errors name the field ({@code dp.clip}, ...) and the value. */
  public DpSettings {
    Fields.positive("dp.clip", clip);
    Fields.require(
        noiseMultiplier >= 0 && Double.isFinite(noiseMultiplier),
        "dp.noiseMultiplier",
        noiseMultiplier,
        "must be a number >= 0");
    Fields.require(delta > 0 && delta < 1, "dp.delta", delta, "must be in (0, 1)");
    Fields.require(epsilonBudget > 0, "dp.epsilonBudget", epsilonBudget, "must be > 0");
  }

  /** The noise mode in effect: the given one, else distributed exactly with secure aggregation. */
  public DpConfig.NoiseMode modeWith(boolean secureAggregation) {
    if (mode != null) {
      return mode;
    }
    return secureAggregation ? DpConfig.NoiseMode.DISTRIBUTED : DpConfig.NoiseMode.CENTRAL;
  }

  /** The DP-FedAvg config for {@code population} clients. */
  public DpConfig toDpConfig(int population, boolean secureAggregation) {
    return new DpConfig(
        clip, noiseMultiplier, modeWith(secureAggregation), population, delta, epsilonBudget, null);
  }

  /** A builder: clip, noise multiplier and delta required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link DpSettings}: {@code setClip}, {@code setNoiseMultiplier}, {@code setDelta}. */
  public static final class Builder {
    private Double clip;
    private Double noiseMultiplier;
    private Double delta;
    private double epsilonBudget = Double.POSITIVE_INFINITY;
    private DpConfig.NoiseMode mode;

    private Builder() {}

    /** L2 clip norm (required). */
    public Builder setClip(double clip) {
      this.clip = clip;
      return this;
    }

    /** Noise multiplier z (required). */
    public Builder setNoiseMultiplier(double noiseMultiplier) {
      this.noiseMultiplier = noiseMultiplier;
      return this;
    }

    /** Target delta (required). */
    public Builder setDelta(double delta) {
      this.delta = delta;
      return this;
    }

    /** Epsilon budget (default none). */
    public Builder optEpsilonBudget(double epsilonBudget) {
      this.epsilonBudget = epsilonBudget;
      return this;
    }

    /** Where the noise is added (default: distributed with secure aggregation, else central). */
    public Builder optMode(DpConfig.NoiseMode mode) {
      this.mode = mode;
      return this;
    }

    /** The validated settings. */
    public DpSettings build() {
      Fields.require(clip != null, "dp.clip", null, "is required");
      Fields.require(noiseMultiplier != null, "dp.noiseMultiplier", null, "is required");
      Fields.require(delta != null, "dp.delta", null, "is required");
      return new DpSettings(clip, noiseMultiplier, delta, epsilonBudget, mode);
    }
  }
}
