/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import picocli.CommandLine.Option;

/**
 * The shape of a model a command creates ({@code model init}, {@code model pretrain}): a picocli
 * mixin whose defaults each command passes to the constructor. Errors about {@code config.json}
 * fields or the pretraining config name these options ({@link ValidatedAs}).
 */
final class ModelShapeOptions {
  @ValidatedAs({"layers", "num_hidden_layers"})
  @Option(names = "--layers", description = "Layers (default ${DEFAULT-VALUE}).")
  int layers;

  @ValidatedAs({"hidden", "hidden_size"})
  @Option(names = "--hidden", description = "Hidden size (default ${DEFAULT-VALUE}).")
  int hidden;

  @ValidatedAs({"heads", "num_attention_heads"})
  @Option(names = "--heads", description = "Attention heads (default ${DEFAULT-VALUE}).")
  int heads;

  @ValidatedAs("num_key_value_heads")
  @Option(names = "--kv-heads", description = "Key/value heads (default: = heads).")
  Integer kvHeads;

  @ValidatedAs({"vocab", "vocab_size"})
  @Option(names = "--vocab", description = "Vocabulary size (default ${DEFAULT-VALUE}).")
  int vocab;

  ModelShapeOptions(int layers, int hidden, int heads, int vocab) {
    this.layers = layers;
    this.hidden = hidden;
    this.heads = heads;
    this.vocab = vocab;
  }

  /** Key/value heads: --kv-heads, else as many as query heads. */
  int kvHeads() {
    return kvHeads == null ? heads : kvHeads;
  }
}
