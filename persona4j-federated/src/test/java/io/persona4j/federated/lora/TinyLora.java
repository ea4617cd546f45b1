/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Example;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A tiny random Llama, a LoRA config and synthetic "item N? -> color" data for the tests. */
final class TinyLora {
  /** r 4, alpha 8 on q_proj and v_proj, no dropout, zero-initialized B. */
  static final LoraConfig CONFIG =
      LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build();

  private TinyLora() {}

  /** 2 layers, hidden 32, 4 query heads sharing 2 KV heads, vocab 61, 64 positions. */
  static LlamaModel llama(NDManager m) throws IOException {
    LlamaConfig c = ModelInit.decoderConfig("llama", 2, 32, 4, 2, 61, 0, 64);
    return LlamaModel.load(c, WeightSource.ofFloats("random", RandomWeights.llama(c, 7, 0.2f)), m);
  }

  /**
   * Client {@code k}'s examples: items {@code 4k .. 4k+3}, prompt {@code [1, 10 + item, 5]} (BOS,
   * item token, "?"), completion the color token {@code 40 + item % 3}.
   */
  static List<Example> data(int k) {
    List<Example> out = new ArrayList<>();
    for (int item = 4 * k; item < 4 * k + 4; item++) {
      out.add(Example.completion(new long[] {1, 10 + item, 5}, new long[] {40 + item % 3}));
    }
    return out;
  }

  /** Logits of a fixed token sequence. */
  static float[] logits(LlamaModel model, NDManager m) {
    long[] ids = {1, 17, 42, 3, 59, 8, 23};
    try (NDManager tmp = m.newSubManager()) {
      NDArray x = tmp.create(ids, new Shape(1, ids.length));
      return model.logits(x, null).toFloatArray();
    }
  }
}
