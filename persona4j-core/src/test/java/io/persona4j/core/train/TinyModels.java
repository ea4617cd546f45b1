/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny random decoders and synthetic tasks for training tests. */
final class TinyModels {
  static final int VOCAB = 24;

  private TinyModels() {}

  /** A 2-layer Llama (hidden 32, 4 query heads sharing 2 KV heads, vocabulary 24). */
  static LlamaConfig config() {
    return ModelInit.decoderConfig("llama", 2, 32, 4, 2, VOCAB, 64, 64);
  }

  static LlamaModel llama(long seed, NDManager manager) {
    LlamaConfig c = config();
    try {
      return LlamaModel.load(
          c, WeightSource.ofFloats("random", RandomWeights.llama(c, seed, 0.1f)), manager);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The reversal task: prompt {@code BOS a b c d SEP}, completion {@code d c b a EOS}, symbols in
   * {@code [4, VOCAB)}, lengths 2 to {@code maxLen}. Id 3 is the separator.
   */
  static List<Example> reversal(long seed, int count, int minLen, int maxLen) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = minLen + r.nextInt(maxLen - minLen + 1);
      long[] prompt = new long[n + 2];
      long[] completion = new long[n + 1];
      prompt[0] = ModelInit.BOS;
      for (int j = 0; j < n; j++) {
        long s = 4 + r.nextInt(VOCAB - 4);
        prompt[1 + j] = s;
        completion[n - 1 - j] = s;
      }
      prompt[n + 1] = 3;
      completion[n] = ModelInit.EOS;
      out.add(Example.completion(prompt, completion));
    }
    return out;
  }
}
