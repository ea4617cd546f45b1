/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A model whose linear layers can be found by module path and replaced, which is how adapters (LoRA
 * and its variants) are injected. Paths follow the Hugging Face module names of the checkpoint,
 * e.g. {@code model.layers.0.self_attn.q_proj}.
 */
public interface AdaptableModel {
  /** Every replaceable linear layer by module path, in model order. */
  Map<String, Linear> linears();

  /**
   * Replaces the layer at {@code path}; the replacement must keep the input and output sizes.
   *
   * @throws IllegalArgumentException naming the path if it does not exist or shapes differ
   */
  void replaceLinear(String path, Linear replacement);

  /**
   * The checkpoint directory the weights were loaded from, if any: adapters use it to record and
   * check the base model's {@link ModelFingerprint}. Empty for models built in memory.
   */
  default Optional<Path> checkpointDirectory() {
    return Optional.empty();
  }

  /**
   * Number of parameters of the whole model. The default counts only the replaceable linear layers'
   * weights and biases; models override it to include embeddings, norms and heads.
   */
  default long parameterCount() {
    long n = 0;
    for (Linear l : linears().values()) {
      n += l.weight().size() + (l.bias() == null ? 0 : l.bias().size());
    }
    return n;
  }
}
