/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import io.persona4j.core.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Locale;

/** Texts to token ids ([CLS] ... [SEP]-style, truncated to a maximum length). */
@FunctionalInterface
public interface TextEncoder {
  /** The ids of {@code text}, at most the encoder's maximum length. */
  long[] encode(String text);

  /**
   * A Hugging Face tokenizer with special tokens; longer sequences keep their first tokens and
   * their final special token.
   */
  static TextEncoder of(Tokenizer tokenizer, int maxTokens) {
    return text -> {
      long[] ids = tokenizer.encode(text, true);
      if (ids.length > maxTokens) {
        long last = ids[ids.length - 1];
        ids = Arrays.copyOf(ids, maxTokens);
        if (tokenizer.isSpecial(last)) {
          ids[maxTokens - 1] = last;
        }
      }
      return ids;
    };
  }

  /**
   * Words (lower-cased, split on non-letters) hashed into ids {@code [5, vocab)} between 2 and 3,
   * for tiny random encoders without a tokenizer (smoke runs and tests).
   */
  static TextEncoder hashing(int vocab, int maxTokens) {
    return text -> {
      String[] words = text.toLowerCase(Locale.ROOT).split("[^a-z]+");
      long[] ids = new long[Math.min(maxTokens, 2 + words.length)];
      ids[0] = 2;
      int n = 1;
      for (String w : words) {
        if (w.isEmpty() || n >= ids.length - 1) {
          continue;
        }
        ids[n++] = 5 + Math.floorMod(w.hashCode(), vocab - 5);
      }
      ids[n++] = 3;
      return Arrays.copyOf(ids, n);
    };
  }
}
