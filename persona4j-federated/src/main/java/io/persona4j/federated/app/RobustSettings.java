/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import java.util.Arrays;

/**
 * How far one client can move a run ({@code robust} in {@code server.json}): the server-side cap on
 * each client's weight, an optional norm bound on each update, and the parameters of the robust
 * strategies ({@link AggregationStrategy#FEDTRIMMEDAVG}, {@link AggregationStrategy#KRUM}, {@link
 * AggregationStrategy#BULYAN}). A null component is unset: its default applies, and {@link
 * FederatedLoraConfig} refuses a setting that the chosen strategy, secure aggregation or DP would
 * ignore.
 *
 * @param weighting how declared example counts weigh (default {@link Weighting#CAPPED})
 * @param maxExamplesPerClient with {@code capped}: no reply weighs more than this, {@code >= 1}
 *     (default none)
 * @param maxWeightOverMedian with {@code capped}: no reply weighs more than this multiple of the
 *     round's lower-median declared count, finite and {@code >= 1} (default {@value
 *     #DEFAULT_MAX_WEIGHT_OVER_MEDIAN})
 * @param normBound updates longer than this (L2) are shortened to it on the server before
 *     aggregation, finite and {@code > 0} (default none)
 * @param trimFraction fedtrimmedavg: fraction cut from each end of every coordinate, in {@code [0,
 *     0.5)} (default {@value #DEFAULT_TRIM_FRACTION})
 * @param byzantineClients krum, bulyan: f, the Byzantine clients tolerated, {@code >= 0} (default
 *     {@value #DEFAULT_BYZANTINE_CLIENTS})
 * @param krumSelect krum: m, how many lowest-score replies are averaged (multi-Krum), {@code >= 1}
 *     (default 1: Krum)
 */
public record RobustSettings(
    Weighting weighting,
    Long maxExamplesPerClient,
    Double maxWeightOverMedian,
    Double normBound,
    Double trimFraction,
    Integer byzantineClients,
    Integer krumSelect) {

  /** Default of {@link #maxWeightOverMedian()}. */
  public static final double DEFAULT_MAX_WEIGHT_OVER_MEDIAN = 4.0;

  /** Default of {@link #trimFraction()} (Flower's). */
  public static final double DEFAULT_TRIM_FRACTION = 0.2;

  /** Default of {@link #byzantineClients()}. */
  public static final int DEFAULT_BYZANTINE_CLIENTS = 1;

  /** Every component unset: capped weights, no norm bound. */
  public static final RobustSettings DEFAULTS =
      new RobustSettings(null, null, null, null, null, null, null);

  /** How a reply's declared example count weighs in FedAvg, FedProx and multi-Krum. */
  public enum Weighting {
    /**
     * The declared count, capped at {@code maxExamplesPerClient} and at {@code maxWeightOverMedian}
     * times the round's lower-median count (the default).
     */
    CAPPED("capped"),
    /** The declared count as is (McMahan et al.'s FedAvg): trusts every client's claim. */
    EXAMPLES("examples"),
    /** Every reply weighs 1. */
    EQUAL("equal");

    private final String label;

    Weighting(String label) {
      this.label = label;
    }

    /** The name in {@code server.json}. */
    public String label() {
      return label;
    }

    /**
     * The weighting of a label.
     *
     * @throws IllegalArgumentException naming field {@code robust.weighting} and the valid labels
     */
    public static Weighting fromLabel(String label) {
      return Arrays.stream(values())
          .filter(w -> w.label.equals(label))
          .findFirst()
          .orElseThrow(
              () -> Fields.bad("robust.weighting", label, "must be capped, examples or equal"));
    }
  }

  /** Validates each set component; errors name the field and the value. */
  public RobustSettings {
    Fields.require(
        maxExamplesPerClient == null || maxExamplesPerClient >= 1,
        "robust.maxExamplesPerClient",
        maxExamplesPerClient,
        "must be an integer >= 1");
    Fields.require(
        maxWeightOverMedian == null
            || (maxWeightOverMedian >= 1 && Double.isFinite(maxWeightOverMedian)),
        "robust.maxWeightOverMedian",
        maxWeightOverMedian,
        "must be a number >= 1");
    if (weighting != null && weighting != Weighting.CAPPED) {
      Fields.require(
          maxExamplesPerClient == null,
          "robust.maxExamplesPerClient",
          maxExamplesPerClient,
          "is only used with robust.weighting capped (weighting is " + weighting.label() + ")");
      Fields.require(
          maxWeightOverMedian == null,
          "robust.maxWeightOverMedian",
          maxWeightOverMedian,
          "is only used with robust.weighting capped (weighting is " + weighting.label() + ")");
    }
    Fields.require(
        normBound == null || (normBound > 0 && Double.isFinite(normBound)),
        "robust.normBound",
        normBound,
        "must be a number > 0");
    Fields.require(
        trimFraction == null || (trimFraction >= 0 && trimFraction < 0.5),
        "robust.trimFraction",
        trimFraction,
        "must be in [0, 0.5)");
    Fields.require(
        byzantineClients == null || byzantineClients >= 0,
        "robust.byzantineClients",
        byzantineClients,
        "must be an integer >= 0");
    Fields.require(
        krumSelect == null || krumSelect >= 1,
        "robust.krumSelect",
        krumSelect,
        "must be an integer >= 1");
  }

  /** The weighting in force. */
  public Weighting weightingOrDefault() {
    return weighting == null ? Weighting.CAPPED : weighting;
  }

  /** Whether any weighting component is set (so a setting that ignores weights must refuse it). */
  public boolean weightingSet() {
    return weighting != null || maxExamplesPerClient != null || maxWeightOverMedian != null;
  }

  /** The trim fraction in force. */
  public double trimFractionOrDefault() {
    return trimFraction == null ? DEFAULT_TRIM_FRACTION : trimFraction;
  }

  /** f in force. */
  public int byzantineClientsOrDefault() {
    return byzantineClients == null ? DEFAULT_BYZANTINE_CLIENTS : byzantineClients;
  }

  /** m in force. */
  public int krumSelectOrDefault() {
    return krumSelect == null ? 1 : krumSelect;
  }

  /** A builder with every component unset. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link RobustSettings}: every setting optional ({@code optX}). */
  public static final class Builder {
    private Weighting weighting;
    private Long maxExamplesPerClient;
    private Double maxWeightOverMedian;
    private Double normBound;
    private Double trimFraction;
    private Integer byzantineClients;
    private Integer krumSelect;

    private Builder() {}

    /** How declared example counts weigh (default capped). */
    public Builder optWeighting(Weighting weighting) {
      this.weighting = weighting;
      return this;
    }

    /** Absolute cap on a reply's weight (default none). */
    public Builder optMaxExamplesPerClient(long maxExamplesPerClient) {
      this.maxExamplesPerClient = maxExamplesPerClient;
      return this;
    }

    /** Cap relative to the round's lower-median declared count (default 4). */
    public Builder optMaxWeightOverMedian(double maxWeightOverMedian) {
      this.maxWeightOverMedian = maxWeightOverMedian;
      return this;
    }

    /** Server-side L2 bound on each update (default none). */
    public Builder optNormBound(double normBound) {
      this.normBound = normBound;
      return this;
    }

    /** fedtrimmedavg's cut fraction (default 0.2). */
    public Builder optTrimFraction(double trimFraction) {
      this.trimFraction = trimFraction;
      return this;
    }

    /** krum's and bulyan's f (default 1). */
    public Builder optByzantineClients(int byzantineClients) {
      this.byzantineClients = byzantineClients;
      return this;
    }

    /** multi-Krum's m (default 1). */
    public Builder optKrumSelect(int krumSelect) {
      this.krumSelect = krumSelect;
      return this;
    }

    /** The validated settings. */
    public RobustSettings build() {
      return new RobustSettings(
          weighting,
          maxExamplesPerClient,
          maxWeightOverMedian,
          normBound,
          trimFraction,
          byzantineClients,
          krumSelect);
    }
  }
}
