/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The shape of the random Llama a benchmark builds (a picocli mixin). Each command passes its own
 * defaults to the constructor; picocli shows them as the options' defaults.
 */
final class ModelShapeOptions {
  @Option(names = "--layers", description = "decoder layers (default ${DEFAULT-VALUE})")
  int layers;

  @Option(names = "--hidden", description = "hidden size (default ${DEFAULT-VALUE})")
  int hidden;

  @Option(names = "--heads", description = "attention heads (default ${DEFAULT-VALUE})")
  int heads;

  @Option(names = "--kv-heads", description = "key/value heads (default ${DEFAULT-VALUE})")
  int kvHeads;

  @Option(names = "--vocab", description = "vocabulary size (default ${DEFAULT-VALUE})")
  int vocab;

  @Option(
      names = "--intermediate",
      description = "MLP size; 0 = the family's default (default ${DEFAULT-VALUE})")
  int intermediate;

  ModelShapeOptions(int layers, int hidden, int heads, int kvHeads, int vocab, int intermediate) {
    this.layers = layers;
    this.hidden = hidden;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.vocab = vocab;
    this.intermediate = intermediate;
  }

  /** A Llama config of this shape with {@code maxPositions} positions. */
  LlamaConfig config(int maxPositions) {
    return ModelInit.decoderConfig(
        "llama", layers, hidden, heads, kvHeads, vocab, intermediate, maxPositions);
  }

  /** The shape for a results file. */
  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("layers", layers);
    m.put("hidden", hidden);
    m.put("heads", heads);
    m.put("kv_heads", kvHeads);
    m.put("vocab", vocab);
    m.put("intermediate", intermediate);
    return m;
  }
}
