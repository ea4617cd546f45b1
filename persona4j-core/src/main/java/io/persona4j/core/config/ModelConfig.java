/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

/** A Hugging Face {@code config.json}, bound to an immutable, validated record per model family. */
public sealed interface ModelConfig permits LlamaConfig, BertConfig {
  /** The {@code model_type} as written in config.json. */
  String modelType();

  int vocabSize();

  int hiddenSize();

  int numHiddenLayers();
}
