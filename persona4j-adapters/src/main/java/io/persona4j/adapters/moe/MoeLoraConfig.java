/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.TargetModules;
import io.persona4j.core.config.ConfigException;
import java.util.Objects;

/**
 * An instance-wise mixture of LoRA experts (iLoRA, Kong et al. 2024): on every target linear layer
 * {@code h = W0 x + (alpha / (r/K)) * sum_k g_k B_k A_k dropout(x)}, where {@code A_k} are rows
 * {@code [k r/K, (k+1) r/K)} of one rank-r {@code A [r, in]}, {@code B_k} the same columns of
 * {@code B [out, r]}, and {@code g [K]} one gate per sequence shared by every layer and token.
 * Build with {@link #builder()}; defaults are the paper's (r = 8, K = 4, alpha = 32, dropout 0.1,
 * q/k/v/o/gate/up/down projections, linear gate on a 64-d sequence embedding, router at 0.3x lr).
 *
 * @param r total rank, > 0 and a multiple of {@code numExperts}
 * @param numExperts K, > 0
 * @param alpha scale numerator: the experts' scale is {@code alpha / (r/K)}
 * @param dropout dropout on the LoRA input in training, in [0, 1)
 * @param targets modules to adapt (names or a regex, as PEFT's {@code target_modules})
 * @param gateType how the gate is computed
 * @param gateDim size of the per-sequence gate input, > 0
 * @param routerLrMultiplier factor on the learning rate for the router (the caller's optimizer
 *     setup applies it), > 0
 * @param seed seed of the {@link GateType#RANDOM} gate's streams
 */
public record MoeLoraConfig(
    int r,
    int numExperts,
    double alpha,
    double dropout,
    TargetModules targets,
    GateType gateType,
    int gateDim,
    double routerLrMultiplier,
    long seed) {

  /** iLoRA's targets: every attention and MLP projection of a Llama-style decoder. */
  public static final TargetModules DEFAULT_TARGETS =
      TargetModules.names(
          "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /**
   * Validates every field.
   *
   * @throws ConfigException naming the field and value if one is invalid
   */
  public MoeLoraConfig {
    require(r > 0, "r", r, "the total rank must be > 0");
    require(numExperts > 0, "num_experts", numExperts, "must be > 0");
    require(
        r % numExperts == 0,
        "r",
        r,
        "must be a multiple of num_experts = " + numExperts + " (each expert gets rank r / K)");
    require(Double.isFinite(alpha), "alpha", alpha, "must be finite");
    require(dropout >= 0 && dropout < 1, "dropout", dropout, "must be in [0, 1)");
    require(targets != null, "targets", null, "is required");
    require(gateType != null, "gate_type", null, "is required");
    require(gateDim > 0, "gate_dim", gateDim, "must be > 0");
    require(
        Double.isFinite(routerLrMultiplier) && routerLrMultiplier > 0,
        "router_lr_multiplier",
        routerLrMultiplier,
        "must be finite and > 0");
  }

  /** A builder with iLoRA's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Each expert's rank, {@code r / K}. */
  public int expertRank() {
    return r / numExperts;
  }

  /** The factor on {@code sum_k g_k B_k A_k x}: {@code alpha / (r/K)}. */
  public double scale() {
    return alpha / expertRank();
  }

  /** Number of router parameters: {@code K * gateDim} for a linear gate, else 0. */
  public long routerParameterCount() {
    return gateType == GateType.LINEAR ? (long) numExperts * gateDim : 0;
  }

  /**
   * The plain-LoRA (PEFT) view of this adapter: rank r, {@code lora_alpha = alpha}, the same
   * dropout and targets. PEFT's scale {@code alpha / r} equals this config's scale times the
   * uniform gate {@code 1/K} ({@code alpha / (r/K) * 1/K = alpha / r}), so these tensors under this
   * config are exactly the {@link GateType#UNIFORM} model.
   */
  public LoraConfig loraConfig() {
    return LoraConfig.builder()
        .optR(r)
        .optAlpha(alpha)
        .optDropout(dropout)
        .optTargets(targets)
        .build();
  }

  private static void require(boolean condition, String field, Object value, String expectation) {
    if (!condition) {
      throw new ConfigException(
          "mixture-of-LoRA-experts config field '"
              + field
              + "' = "
              + value
              + " is invalid: "
              + expectation);
    }
  }

  /**
   * Builds a {@link MoeLoraConfig} (from {@link MoeLoraConfig#builder()}): every setting is
   * optional ({@code optX}) with iLoRA's default; {@link #build()} validates.
   */
  public static final class Builder {
    private int r = 8;
    private int numExperts = 4;
    private double alpha = 32;
    private double dropout = 0.1;
    private TargetModules targets = DEFAULT_TARGETS;
    private GateType gateType = GateType.LINEAR;
    private int gateDim = 64;
    private double routerLrMultiplier = 0.3;
    private long seed;

    private Builder() {}

    private Builder(MoeLoraConfig c) {
      r = c.r;
      numExperts = c.numExperts;
      alpha = c.alpha;
      dropout = c.dropout;
      targets = c.targets;
      gateType = c.gateType;
      gateDim = c.gateDim;
      routerLrMultiplier = c.routerLrMultiplier;
      seed = c.seed;
    }

    /** Total rank (default 8). */
    public Builder optR(int r) {
      this.r = r;
      return this;
    }

    /** Number of experts K (default 4). */
    public Builder optNumExperts(int k) {
      this.numExperts = k;
      return this;
    }

    /** Scale numerator (default 32). */
    public Builder optAlpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** Dropout on the LoRA input in training (default 0.1). */
    public Builder optDropout(double p) {
      this.dropout = p;
      return this;
    }

    /** Target modules by name (default q/k/v/o/gate/up/down_proj). */
    public Builder optTargets(String... names) {
      this.targets = TargetModules.names(names);
      return this;
    }

    /** Target modules by a regular expression matching whole module paths. */
    public Builder optTargetRegex(String regex) {
      this.targets = TargetModules.regex(regex);
      return this;
    }

    /** Target modules. */
    public Builder optTargets(TargetModules targets) {
      this.targets = Objects.requireNonNull(targets, "targets");
      return this;
    }

    /** Gate type (default {@link GateType#LINEAR}). */
    public Builder optGateType(GateType type) {
      this.gateType = type;
      return this;
    }

    /** Size of the per-sequence gate input (default 64). */
    public Builder optGateDim(int gateDim) {
      this.gateDim = gateDim;
      return this;
    }

    /** Router learning-rate multiplier (default 0.3). */
    public Builder optRouterLrMultiplier(double m) {
      this.routerLrMultiplier = m;
      return this;
    }

    /** Seed of the random gate (default 0). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The validated config. */
    public MoeLoraConfig build() {
      return new MoeLoraConfig(
          r, numExperts, alpha, dropout, targets, gateType, gateDim, routerLrMultiplier, seed);
    }
  }
}
