/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate;

import java.util.Set;

/**
 * How to pick tokens. {@code temperature == 0} is greedy decoding; otherwise the order is
 * repetition penalty, temperature, top-k, top-p, then a draw (as in Hugging Face transformers).
 *
 * @param maxNewTokens tokens to generate at most per prompt (> 0)
 * @param temperature 0 for greedy, else > 0
 * @param topK keep the k most likely tokens (0 = all)
 * @param topP keep the smallest set whose probability reaches p (1 = all)
 * @param repetitionPenalty >= 1; 1 disables it (CTRL-style, on prompt and generated tokens)
 * @param stopTokens a row stops after emitting one of these
 * @param seed seed of the sampling RNG (generation is reproducible for a fixed seed)
 */
public record SamplingConfig(
    int maxNewTokens,
    float temperature,
    int topK,
    float topP,
    float repetitionPenalty,
    Set<Long> stopTokens,
    long seed) {

  public SamplingConfig {
    if (maxNewTokens <= 0) {
      throw new IllegalArgumentException("maxNewTokens must be > 0, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0, got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
    if (!(repetitionPenalty >= 1) || Float.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException(
          "repetitionPenalty must be >= 1 and finite, got " + repetitionPenalty);
    }
    stopTokens = Set.copyOf(stopTokens);
  }

  /** Greedy decoding of up to {@code maxNewTokens} tokens. */
  public static SamplingConfig greedy(int maxNewTokens, Set<Long> stopTokens) {
    return new SamplingConfig(maxNewTokens, 0f, 0, 1f, 1f, stopTokens, 0L);
  }

  public boolean greedy() {
    return temperature == 0f;
  }

  public SamplingConfig withSeed(long newSeed) {
    return new SamplingConfig(
        maxNewTokens, temperature, topK, topP, repetitionPenalty, stopTokens, newSeed);
  }
}
