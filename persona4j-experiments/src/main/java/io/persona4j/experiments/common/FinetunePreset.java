/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

/**
 * LoRA fine-tuning in a recommendation experiment: the adapters (and, in {@code rec experiment},
 * the item projector; LLaRA / iLoRA defaults otherwise), shared by {@code rec experiment} and
 * {@code fed experiment fellrec}. Build with {@link #builder()}: the steps are required.
 *
 * @param steps optimizer steps: in total ({@code rec experiment}), or per client per round ({@code
 *     fed experiment fellrec}, where centralized training takes {@code clients x steps} per round),
 *     {@code >= 1}
 * @param batch examples per step, {@code >= 1} (default 8)
 * @param lr learning rate, finite and {@code > 0} (default 1e-3)
 * @param rank total LoRA rank (split over the experts), {@code >= 1} (default 8)
 * @param alpha LoRA alpha, finite and {@code > 0} (default 32)
 * @param dropout LoRA dropout in [0, 1) (default 0.1)
 * @param maxPrompt longest prompt in tokens, {@code >= 16} (default 512)
 * @param evalBatch prompts per evaluation batch, {@code >= 1} (default 16)
 */
public record FinetunePreset(
    long steps,
    int batch,
    double lr,
    int rank,
    double alpha,
    double dropout,
    int maxPrompt,
    int evalBatch) {

  /** Validates the fields, naming the bad one. */
  public FinetunePreset {
    Presets.atLeast("finetune.steps", steps, 1);
    Presets.atLeast("finetune.batch", batch, 1);
    Presets.positive("finetune.lr", lr);
    Presets.atLeast("finetune.rank", rank, 1);
    Presets.positive("finetune.alpha", alpha);
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("finetune.dropout must be in [0, 1), got " + dropout);
    }
    Presets.atLeast("finetune.maxPrompt", maxPrompt, 16);
    Presets.atLeast("finetune.evalBatch", evalBatch, 1);
  }

  /** A builder; the steps are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings. */
  public Builder toBuilder() {
    return builder()
        .setSteps(steps)
        .optBatch(batch)
        .optLr(lr)
        .optRank(rank)
        .optAlpha(alpha)
        .optDropout(dropout)
        .optMaxPrompt(maxPrompt)
        .optEvalBatch(evalBatch);
  }

  /** Builds {@link FinetunePreset}: {@code setSteps} required, {@code optX} optional. */
  public static final class Builder {
    private Long steps;
    private int batch = 8;
    private double lr = 1e-3;
    private int rank = 8;
    private double alpha = 32;
    private double dropout = 0.1;
    private int maxPrompt = 512;
    private int evalBatch = 16;

    private Builder() {}

    /** Optimizer steps (required). */
    public Builder setSteps(long steps) {
      this.steps = steps;
      return this;
    }

    /** Examples per step (default 8). */
    public Builder optBatch(int batch) {
      this.batch = batch;
      return this;
    }

    /** Learning rate (default 1e-3). */
    public Builder optLr(double lr) {
      this.lr = lr;
      return this;
    }

    /** Total LoRA rank (default 8). */
    public Builder optRank(int rank) {
      this.rank = rank;
      return this;
    }

    /** LoRA alpha (default 32). */
    public Builder optAlpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** LoRA dropout (default 0.1). */
    public Builder optDropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /** Longest prompt (default 512). */
    public Builder optMaxPrompt(int maxPrompt) {
      this.maxPrompt = maxPrompt;
      return this;
    }

    /** Prompts per evaluation batch (default 16). */
    public Builder optEvalBatch(int evalBatch) {
      this.evalBatch = evalBatch;
      return this;
    }

    /** The validated settings. */
    public FinetunePreset build() {
      if (steps == null) {
        throw new IllegalArgumentException("finetune.steps is required");
      }
      return new FinetunePreset(steps, batch, lr, rank, alpha, dropout, maxPrompt, evalBatch);
    }
  }
}
