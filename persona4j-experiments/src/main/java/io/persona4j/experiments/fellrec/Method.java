/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.federated.strategy.FellRec;

/** The methods compared by the FELLRec experiment, in table order. */
public enum Method {
  /** Each client trains its own LoRA on its own data; nothing is sent. */
  LOCAL_ONLY("Local only"),
  /** One global LoRA, sample-weighted averaging every round. */
  FEDAVG("FedAvg-LoRA"),
  /** FedAvg with the proximal term in local training. */
  FEDPROX("FedProx-LoRA"),
  /**
   * Personalized aggregation of the middle layers' LoRA with curriculum heating; the first k and
   * the last layer's LoRA stay on the client.
   */
  FELLREC("FELLRec"),
  /**
   * FELLRec with real split learning: the client runs the embedding, the first k layers, the last
   * layer and the LM head, the server the middle layers; hidden states and gradients cross the grid
   * every step, and the server aggregates the middle LoRA as {@link #FELLREC} does (see {@link
   * SplitLearningFellRec}). Needs k >= 1.
   */
  FELLREC_SPLIT("FELLRec (split learning)"),
  /** Ablation: {@link #FELLREC} with curriculum heating off (every {@code w_i = 1}). */
  FELLREC_NO_HEATING("FELLRec, heating off"),
  /** Ablation: {@link #FELLREC} with heating exponent divisor {@code b = 5}. */
  FELLREC_B5("FELLRec, b = 5"),
  /**
   * {@link #FELLREC} with the heating temperature chosen on validation data ({@link
   * FellRecPreset#tunedTemperature()}) instead of the paper's 0.05, which saturates the loss
   * softmax when the clients' losses differ by more than a few tenths.
   */
  FELLREC_TUNED_TEMPERATURE("FELLRec, validated temperature"),
  /** Ablation: {@link #FELLREC} with similarity weights off (uniform before heating). */
  FELLREC_NO_SIMILARITY("FELLRec, similarity off"),
  /** All data in one client (the privacy-violating upper bound). */
  CENTRALIZED("Centralized LoRA");

  private final String label;

  Method(String label) {
    this.label = label;
  }

  /** The name in tables and charts. */
  public String label() {
    return label;
  }

  /**
   * Whether this is FELLRec's adapter-level aggregation with split storage ({@link #FELLREC} or one
   * of its ablations).
   */
  public boolean fellrecVariant() {
    return this == FELLREC
        || this == FELLREC_NO_HEATING
        || this == FELLREC_B5
        || this == FELLREC_TUNED_TEMPERATURE
        || this == FELLREC_NO_SIMILARITY;
  }

  /**
   * The FELLRec config this method runs, given the preset's: {@code preset} for {@link #FELLREC}
   * and {@link #FELLREC_SPLIT}, with the ablation's one change for the ablations.
   *
   * @throws IllegalArgumentException for a method that is not FELLRec
   */
  public FellRec.Config fellrecConfig(FellRec.Config preset) {
    return switch (this) {
      case FELLREC_TUNED_TEMPERATURE ->
          throw new IllegalArgumentException(
              name() + " needs the preset's tuned temperature: use fellrecConfig(FellRecPreset)");
      case FELLREC, FELLREC_SPLIT -> preset;
      case FELLREC_NO_HEATING -> preset.toBuilder().optHeating(false).build();
      case FELLREC_B5 -> preset.toBuilder().optB(5).build();
      case FELLREC_NO_SIMILARITY -> preset.toBuilder().optSimilarity(false).build();
      default -> throw new IllegalArgumentException(name() + " is not a FELLRec method");
    };
  }

  /**
   * The FELLRec config this method runs under {@code preset}: as {@link
   * #fellrecConfig(FellRec.Config)} on the preset's config, and for {@link
   * #FELLREC_TUNED_TEMPERATURE} the preset's config with {@link FellRecPreset#tunedTemperature()}.
   */
  public FellRec.Config fellrecConfig(FellRecPreset preset) {
    if (this == FELLREC_TUNED_TEMPERATURE) {
      return preset.fellrec().toBuilder().optTemperature(preset.tunedTemperature()).build();
    }
    return fellrecConfig(preset.fellrec());
  }

  /** Whether the method talks to a server. */
  public boolean federated() {
    return this != LOCAL_ONLY;
  }
}
