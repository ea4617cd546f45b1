/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.adapters.lora.LoraConfig;
import java.util.List;

/**
 * The LoRA adapter a federated run trains ({@code lora} in {@code server.json}). Server and clients
 * build it from the same settings (they travel in every instruction, {@link LoraClientSettings}),
 * so a client needs only the base model and its data.
 *
 * @param r rank, {@code >= 1}
 * @param alpha scale numerator ({@code scale = alpha / r}), finite and {@code > 0}
 * @param dropout LoRA dropout in [0, 1)
 * @param targets target module names, e.g. {@code [q_proj, v_proj]}; non-empty, no blank name
 */
public record LoraSettings(int r, double alpha, double dropout, List<String> targets) {

  /** The default targets: {@code q_proj}, {@code v_proj} (as LoRA's paper and PEFT's examples). */
  public static final List<String> DEFAULT_TARGETS = List.of("q_proj", "v_proj");

  /** Validates; errors name the field ({@code lora.r}, ...) and the value. */
  public LoraSettings {
    Fields.require(r >= 1, "lora.r", r, "must be an integer >= 1");
    Fields.positive("lora.alpha", alpha);
    Fields.require(dropout >= 0 && dropout < 1, "lora.dropout", dropout, "must be in [0, 1)");
    Fields.require(
        targets != null
            && !targets.isEmpty()
            && targets.stream().noneMatch(t -> t == null || t.isBlank()),
        "lora.targets",
        targets,
        "must be a non-empty list of module names");
    targets = List.copyOf(targets);
  }

  /** The adapter config to inject into a model. */
  public LoraConfig toLoraConfig() {
    return LoraConfig.builder()
        .optR(r)
        .optAlpha(alpha)
        .optDropout(dropout)
        .optTargets(targets.toArray(String[]::new))
        .build();
  }

  /** A builder: rank and alpha required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link LoraSettings}: {@code setR}, {@code setAlpha} required. */
  public static final class Builder {
    private Integer r;
    private Double alpha;
    private double dropout;
    private List<String> targets = DEFAULT_TARGETS;

    private Builder() {}

    /** Rank (required). */
    public Builder setR(int r) {
      this.r = r;
      return this;
    }

    /** Scale numerator (required). */
    public Builder setAlpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** LoRA dropout (default 0). */
    public Builder optDropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /** Target module names (default {@link #DEFAULT_TARGETS}). */
    public Builder optTargets(List<String> targets) {
      this.targets = targets;
      return this;
    }

    /** Target module names (default {@link #DEFAULT_TARGETS}). */
    public Builder optTargets(String... targets) {
      return optTargets(List.of(targets));
    }

    /** The validated settings. */
    public LoraSettings build() {
      Fields.require(r != null, "lora.r", null, "is required");
      Fields.require(alpha != null, "lora.alpha", null, "is required");
      return new LoraSettings(r, alpha, dropout, targets);
    }
  }
}
