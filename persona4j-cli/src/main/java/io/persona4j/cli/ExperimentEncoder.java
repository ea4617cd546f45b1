/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.experiments.secfpp.TextEncoder;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The encoder of an encoder experiment ({@code fed experiment secfpp}, {@code plora experiment}): a
 * BERT directory with its tokenizer, or, for smoke runs, a tiny random BERT reading hashed words.
 *
 * @param tokenizer the model's tokenizer, or null for the tiny random one
 */
record ExperimentEncoder(BertModel bert, TextEncoder text, Tokenizer tokenizer, String description)
    implements AutoCloseable {
  /** The smoke encoder's vocabulary (hashed words). */
  static final int SMOKE_VOCAB = 500;

  /** {@code model} with its tokenizer, or the tiny random BERT when {@code model} is null. */
  static ExperimentEncoder open(Path model, int maxTokens, NDManager m) throws IOException {
    if (model != null) {
      BertModel bert = BertModel.load(model, m);
      try {
        Tokenizer tok = Tokenizer.fromDirectory(model);
        return new ExperimentEncoder(bert, TextEncoder.of(tok, maxTokens), tok, "encoder " + model);
      } catch (IOException | RuntimeException e) {
        bert.close();
        throw e;
      }
    }
    BertConfig c =
        new BertConfig(
            "bert", SMOKE_VOCAB, 16, 2, 4, 32, "gelu", 64, 2, 1e-12, 0, "absolute", null, null);
    BertModel bert =
        BertModel.load(c, WeightSource.ofFloats("random", RandomWeights.bert(c, 4, 0.2f)), m);
    return new ExperimentEncoder(
        bert,
        TextEncoder.hashing(SMOKE_VOCAB, maxTokens),
        null,
        "a tiny random BERT (hashed words)");
  }

  @Override
  public void close() {
    bert.close();
    if (tokenizer != null) {
      tokenizer.close();
    }
  }
}
