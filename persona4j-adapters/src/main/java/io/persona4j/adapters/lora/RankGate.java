/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;

/**
 * Per-sequence weights on the rank components of a {@link LoraUnit}: the unit computes {@code scale
 * * B ((A dropout(x)) * w)} with {@code w [B, 1, r]} broadcast over the tokens. A mixture of LoRA
 * experts (iLoRA, see {@code io.persona4j.adapters.moe}) splits the rank into K contiguous blocks
 * and repeats each expert's gate weight over its block, which costs one elementwise product on the
 * {@code [B, T, r]} intermediate beyond plain LoRA.
 *
 * <p>A gated unit cannot be merged into the base weight: its delta differs per sequence.
 */
@FunctionalInterface
public interface RankGate {
  /**
   * The weights for the current batch, {@code [B, 1, r]} (or {@code [1, 1, r]} when they are the
   * same for every sequence). Must record gradients through whatever produced them when a router is
   * trained.
   *
   * @param batch the batch size of the input being adapted (its first dimension)
   * @param rank the unit's rank r
   * @throws IllegalStateException if no weights are set, they were freed, or they are for a batch
   *     of a different size
   */
  NDArray rankWeights(long batch, int rank);
}
