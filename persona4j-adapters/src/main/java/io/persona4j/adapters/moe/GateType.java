/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

/** How a mixture of LoRA experts weighs its K experts for each sequence. */
public enum GateType {
  /**
   * iLoRA's gate: {@code softmax(W e)} with a trainable router {@code W [K, gateDim]} (no bias) and
   * {@code e [gateDim]} a per-sequence embedding (the frozen SASRec last-position hidden state).
   */
  LINEAR,
  /**
   * Ablation: {@code softmax(z)} with {@code z ~ N(0, I_K)} drawn afresh for every sequence of
   * every batch from a seeded stream; no trainable parameters.
   */
  RANDOM,
  /**
   * Ablation: {@code 1/K} for every expert. The model then equals plain rank-r LoRA with {@code
   * lora_alpha = alpha}, which is what the saved {@code adapter_config.json} describes to PEFT.
   */
  UNIFORM
}
