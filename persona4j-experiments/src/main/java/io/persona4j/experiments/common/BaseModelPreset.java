/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

/**
 * The small Llama an experiment pre-trains on its training users' histories, catalog and prompts
 * (once per run). Build with {@link #builder()}: layers, hidden size, vocabulary and steps
 * required.
 *
 * @param layers decoder layers, {@code >= 1}
 * @param hidden hidden size, a multiple of {@code heads}
 * @param heads attention heads, {@code >= 1} (default 4)
 * @param kvHeads key/value heads, dividing {@code heads} (default 2)
 * @param vocab BPE vocabulary size learned from the corpus, {@code >= 1}
 * @param maxLen longest training sequence in tokens, {@code >= 16} (default 512)
 * @param steps pre-training steps, {@code >= 1}
 * @param batch sequences per step, {@code >= 1} (default 8)
 * @param lr peak AdamW learning rate, finite and {@code > 0} (default 2e-3)
 */
public record BaseModelPreset(
    int layers,
    int hidden,
    int heads,
    int kvHeads,
    int vocab,
    int maxLen,
    long steps,
    int batch,
    double lr) {

  /** Validates the fields, naming the bad one. */
  public BaseModelPreset {
    Presets.atLeast("base.layers", layers, 1);
    Presets.atLeast("base.heads", heads, 1);
    Presets.atLeast("base.kvHeads", kvHeads, 1);
    if (hidden < 1 || hidden % heads != 0 || heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "base.hidden "
              + hidden
              + " must be a positive multiple of base.heads "
              + heads
              + ", and base.heads a multiple of base.kvHeads "
              + kvHeads);
    }
    Presets.atLeast("base.vocab", vocab, 1);
    Presets.atLeast("base.maxLen", maxLen, 16);
    Presets.atLeast("base.steps", steps, 1);
    Presets.atLeast("base.batch", batch, 1);
    Presets.positive("base.lr", lr);
  }

  /** A builder; layers, hidden size, vocabulary and steps are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this preset's values. */
  public Builder toBuilder() {
    return builder()
        .setLayers(layers)
        .setHidden(hidden)
        .optHeads(heads)
        .optKvHeads(kvHeads)
        .setVocab(vocab)
        .optMaxLen(maxLen)
        .setSteps(steps)
        .optBatch(batch)
        .optLr(lr);
  }

  /** Builds a {@link BaseModelPreset}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private Integer layers;
    private Integer hidden;
    private int heads = 4;
    private int kvHeads = 2;
    private Integer vocab;
    private int maxLen = 512;
    private Long steps;
    private int batch = 8;
    private double lr = 2e-3;

    private Builder() {}

    /** Decoder layers (required). */
    public Builder setLayers(int layers) {
      this.layers = layers;
      return this;
    }

    /** Hidden size (required). */
    public Builder setHidden(int hidden) {
      this.hidden = hidden;
      return this;
    }

    /** Attention heads (default 4). */
    public Builder optHeads(int heads) {
      this.heads = heads;
      return this;
    }

    /** Key/value heads (default 2). */
    public Builder optKvHeads(int kvHeads) {
      this.kvHeads = kvHeads;
      return this;
    }

    /** Vocabulary size (required). */
    public Builder setVocab(int vocab) {
      this.vocab = vocab;
      return this;
    }

    /** Longest training sequence (default 512). */
    public Builder optMaxLen(int maxLen) {
      this.maxLen = maxLen;
      return this;
    }

    /** Pre-training steps (required). */
    public Builder setSteps(long steps) {
      this.steps = steps;
      return this;
    }

    /** Sequences per step (default 8). */
    public Builder optBatch(int batch) {
      this.batch = batch;
      return this;
    }

    /** Peak learning rate (default 2e-3). */
    public Builder optLr(double lr) {
      this.lr = lr;
      return this;
    }

    /** The validated preset. */
    public BaseModelPreset build() {
      Presets.required("base.layers", layers);
      Presets.required("base.hidden", hidden);
      Presets.required("base.vocab", vocab);
      Presets.required("base.steps", steps);
      return new BaseModelPreset(layers, hidden, heads, kvHeads, vocab, maxLen, steps, batch, lr);
    }
  }
}
