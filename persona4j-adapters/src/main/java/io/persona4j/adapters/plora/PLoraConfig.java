/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.TargetModules;
import java.util.Objects;

/**
 * A PLoRA adapter's config: the shared LoRA part as PEFT's {@code adapter_config.json} binds it
 * ({@link LoraConfig}: rank, alpha, dropout, targets, {@code modules_to_save}) plus what PLoRA
 * adds, kept in {@value PLoraFiles#CONFIG_FILE}: the user vectors' width {@code d_u}, the
 * personalized dropout rate and the mutual-information weight.
 *
 * <p>Every adapted layer computes {@code h' = W0 x + s B(A drop(x) + P drop(p_u))} (Zhang et al.,
 * AAAI 2024): {@code P [r, d_u]} maps the user's vector {@code p_u = E[u]} into the rank space. The
 * defaults are the authors' BERT settings ({@code cfgs/bert_model.yml}): r 64, alpha 128, dropout
 * 0.1, {@code d_u} 512, targets {@code query, value} (PEFT's default for BERT); the personalized
 * dropout rate defaults to 0.1 (their RoBERTa/Flan-T5 setting; their BERT config ships 0), and the
 * mutual-information term is off ({@code mim} -1, as in every shipped config).
 *
 * @param lora the shared LoRA part (PEFT fields)
 * @param userDim {@code d_u}, the width of each user's vector, >= 1
 * @param pRate personalized dropout: the probability that a training sample's whole user vector is
 *     zeroed (no rescaling), in [0, 1)
 * @param mim weight of the mutual-information term; {@code <= 0} switches it off (the authors write
 *     -1), {@code > 0} adds {@code mim * (KL + MSE)} (see {@link PLoraObjective})
 */
public record PLoraConfig(LoraConfig lora, int userDim, double pRate, double mim) {
  /** The classification head's module name, saved as PEFT {@code modules_to_save}. */
  public static final String HEAD = "classifier";

  /** Validates; messages name the field as {@value PLoraFiles#CONFIG_FILE} spells it. */
  public PLoraConfig {
    Objects.requireNonNull(lora, "lora");
    if (userDim < 1) {
      throw new IllegalArgumentException("user_dim must be >= 1, got " + userDim);
    }
    if (!(pRate >= 0 && pRate < 1)) {
      throw new IllegalArgumentException("p_rate must be in [0, 1), got " + pRate);
    }
    if (!Double.isFinite(mim)) {
      throw new IllegalArgumentException("mim must be finite (<= 0 switches it off), got " + mim);
    }
    if (lora.useRslora()) {
      throw new IllegalArgumentException(
          "use_rslora is not supported by PLoRA (its user term is scaled by alpha / r)");
    }
  }

  /** Whether the mutual-information term is on ({@code mim > 0}). */
  public boolean mimEnabled() {
    return mim > 0;
  }

  /** A builder with the defaults above. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.lora = lora.toBuilder();
    b.userDim = userDim;
    b.pRate = pRate;
    b.mim = mim;
    return b;
  }

  /** Builds a {@link PLoraConfig}: every setting is optional ({@code optX}) with its default. */
  public static final class Builder {
    private LoraConfig.Builder lora =
        LoraConfig.builder()
            .optR(64)
            .optAlpha(128)
            .optDropout(0.1)
            .optTargets("query", "value")
            .optTaskType("SEQ_CLS")
            .optModulesToSave(HEAD);
    private int userDim = 512;
    private double pRate = 0.1;
    private double mim = -1;

    private Builder() {}

    /** Rank r (default 64). */
    public Builder optR(int r) {
      lora.optR(r);
      return this;
    }

    /** alpha; the scale is alpha / r (default 128). */
    public Builder optAlpha(double alpha) {
      lora.optAlpha(alpha);
      return this;
    }

    /** Dropout on the layer input and, separately, on the user vector (default 0.1). */
    public Builder optDropout(double p) {
      lora.optDropout(p);
      return this;
    }

    /** Target module names (default {@code query, value}). */
    public Builder optTargets(String... names) {
      lora.optTargets(names);
      return this;
    }

    /** Target modules (names or a regex). */
    public Builder optTargets(TargetModules targets) {
      lora.optTargets(targets);
      return this;
    }

    /** {@code d_u}, the width of a user vector (default 512). */
    public Builder optUserDim(int userDim) {
      this.userDim = userDim;
      return this;
    }

    /** Personalized dropout rate (default 0.1). */
    public Builder optPRate(double pRate) {
      this.pRate = pRate;
      return this;
    }

    /** Mutual-information weight; {@code <= 0} is off (default -1). */
    public Builder optMim(double mim) {
      this.mim = mim;
      return this;
    }

    /** The base model's name or path recorded in {@code adapter_config.json} (informative). */
    public Builder optBaseModel(String nameOrPath) {
      lora.optBaseModel(nameOrPath);
      return this;
    }

    /** The validated config. */
    public PLoraConfig build() {
      return new PLoraConfig(lora.build(), userDim, pRate, mim);
    }
  }
}
