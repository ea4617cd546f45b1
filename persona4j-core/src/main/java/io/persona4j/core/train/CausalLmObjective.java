/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.Objects;

/**
 * Causal language modeling: next-token cross-entropy on the positions the examples' labels mark
 * (completion tokens only for prompt/completion data), padding and prompt tokens masked.
 */
public final class CausalLmObjective implements TrainingObjective {
  /** A decoder forward pass: {@code [B, T]} ids and attention mask to {@code [B, T, V]} logits. */
  @FunctionalInterface
  public interface LogitsFunction {
    NDArray logits(NDArray ids, NDArray attentionMask);
  }

  private final LogitsFunction model;
  private final int maxLength;

  /**
   * @param model the forward pass
   * @param maxLength the longest sequence the model takes (its position limit), checked per batch
   */
  public CausalLmObjective(LogitsFunction model, int maxLength) {
    this.model = Objects.requireNonNull(model, "model");
    if (maxLength < 2) {
      throw new IllegalArgumentException("max length must be >= 2, got " + maxLength);
    }
    this.maxLength = maxLength;
  }

  /** The objective of a Llama-style decoder (with whatever adapters are injected into it). */
  public static CausalLmObjective of(LlamaModel model) {
    return new CausalLmObjective(model::logits, model.config().maxPositionEmbeddings());
  }

  @Override
  public NDArray lossSum(Batch batch, NDManager m) {
    if (batch.length() > maxLength) {
      throw new IllegalArgumentException(
          "a batch of "
              + batch.length()
              + " tokens exceeds the model's max_position_embeddings "
              + maxLength
              + "; read the data with a max length <= "
              + maxLength);
    }
    NDArray logits = model.logits(batch.ids(m), batch.attentionMask(m)); // [B, T, V]
    return CrossEntropy.tokenSum(logits, batch.targets(m), batch.weights(m));
  }
}
