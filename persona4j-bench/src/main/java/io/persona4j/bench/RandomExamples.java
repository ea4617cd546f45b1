/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import io.persona4j.core.train.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random prompt/completion examples for benchmarks (token ids uniform in [firstId, vocab)). */
final class RandomExamples {
  private RandomExamples() {}

  /**
   * {@code n} examples of {@code promptLength + completionLength} tokens drawn from a {@link
   * SplittableRandom} seeded with {@code seed}, prompt tokens first, example by example.
   */
  static List<Example> of(
      int n, int promptLength, int completionLength, int firstId, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Example> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long[] prompt = new long[promptLength];
      long[] completion = new long[completionLength];
      for (int j = 0; j < prompt.length; j++) {
        prompt[j] = firstId + r.nextInt(vocab - firstId);
      }
      for (int j = 0; j < completion.length; j++) {
        completion[j] = firstId + r.nextInt(vocab - firstId);
      }
      out.add(Example.completion(prompt, completion));
    }
    return out;
  }
}
