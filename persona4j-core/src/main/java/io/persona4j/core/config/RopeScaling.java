/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code rope_scaling} of a decoder config. Supported: {@code llama3} (Llama 3.1/3.2 frequency
 * smoothing), {@code linear} (position interpolation), and {@code default}/absent.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RopeScaling(
    @JsonProperty("rope_type") String ropeType,
    @JsonProperty("type") String legacyType,
    @JsonProperty("factor") Double factor,
    @JsonProperty("low_freq_factor") Double lowFreqFactor,
    @JsonProperty("high_freq_factor") Double highFreqFactor,
    @JsonProperty("original_max_position_embeddings") Integer originalMaxPositionEmbeddings) {

  public RopeScaling {
    String kind = ropeType != null ? ropeType : legacyType;
    ConfigException.require(kind != null, "rope_scaling.rope_type", null, "required");
    switch (kind) {
      case "default" -> {}
      case "linear" ->
          ConfigException.require(
              factor != null && factor >= 1.0, "rope_scaling.factor", factor, "linear needs >= 1");
      case "llama3" -> {
        ConfigException.require(
            factor != null && factor >= 1.0, "rope_scaling.factor", factor, "llama3 needs >= 1");
        ConfigException.require(
            lowFreqFactor != null && lowFreqFactor > 0,
            "rope_scaling.low_freq_factor",
            lowFreqFactor,
            "llama3 needs > 0");
        ConfigException.require(
            highFreqFactor != null && highFreqFactor > lowFreqFactor,
            "rope_scaling.high_freq_factor",
            highFreqFactor,
            "llama3 needs > low_freq_factor");
        ConfigException.require(
            originalMaxPositionEmbeddings != null && originalMaxPositionEmbeddings > 0,
            "rope_scaling.original_max_position_embeddings",
            originalMaxPositionEmbeddings,
            "llama3 needs > 0");
      }
      default ->
          throw new ConfigException(
              "config.json field 'rope_scaling.rope_type' = "
                  + kind
                  + " is not supported (supported: default, linear, llama3)");
    }
  }

  /** The scaling kind, whichever of {@code rope_type} and the legacy {@code type} was given. */
  public String kind() {
    return ropeType != null ? ropeType : legacyType;
  }

  /** Llama 3 scaling with the published Llama 3.1 constants. */
  public static RopeScaling llama3(double factor, double low, double high, int originalMax) {
    return new RopeScaling("llama3", null, factor, low, high, originalMax);
  }
}
