/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.LlamaModel;

/**
 * RoPE positions and the causal padding mask of a batch, which every party derives from the same
 * attention mask exactly as {@link LlamaModel#logits} does.
 *
 * @param positions {@code [B, T]} int64
 * @param mask {@code [B, 1, T, T]} additive float32
 */
record LayerInputs(NDArray positions, NDArray mask) {

  /** Inputs of a batch whose real tokens are {@code valid[b][t]}, on {@code m}. */
  static LayerInputs of(LlamaModel model, boolean[][] valid, NDManager m) {
    int b = valid.length;
    int t = valid[0].length;
    NDArray positions = m.create(LlamaModel.positionsFrom(valid), new Shape(b, t));
    NDArray mask = AttentionMask.causal(valid, 0, t, model.config().attentionWindow(), m);
    return new LayerInputs(positions, mask);
  }

  /**
   * Validity from a float {@code [B, T]} mask (1 real, 0 padding).
   *
   * @throws IllegalArgumentException for a value other than 0 or 1
   */
  static boolean[][] validity(float[] mask, int b, int t) {
    boolean[][] valid = new boolean[b][t];
    for (int i = 0; i < mask.length; i++) {
      if (mask[i] != 0f && mask[i] != 1f) {
        throw new IllegalArgumentException(
            "tensor '" + SplitProtocol.ATTENTION_MASK + "'[" + i + "] = " + mask[i] + ", not 0/1");
      }
      valid[i / t][i % t] = mask[i] == 1f;
    }
    return valid;
  }
}
