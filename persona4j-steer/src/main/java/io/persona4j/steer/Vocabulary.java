/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import io.persona4j.core.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's token vocabulary as steering sees it: the token strings of ids {@code [0, size)} (the
 * tokenizer's ids, which must be dense), the model's logit width (>= size; larger when the
 * embedding matrix is padded, as Qwen2.5's is: the padded logits are not tokens and are dropped
 * before any softmax), and its end-of-sequence ids.
 *
 * @param source where it came from, for messages
 */
public record Vocabulary(List<String> tokens, int logitWidth, long[] eosIds, String source) {

  /**
   * @throws IllegalArgumentException when the logit width is smaller than the vocabulary, or an EOS
   *     id is out of range
   */
  public Vocabulary {
    tokens = List.copyOf(tokens);
    eosIds = eosIds.clone();
    Objects.requireNonNull(source, "source");
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException(source + ": empty vocabulary");
    }
    if (logitWidth < tokens.size()) {
      throw new IllegalArgumentException(
          source
              + ": the model's logit width "
              + logitWidth
              + " (config vocab_size) is smaller than its tokenizer's "
              + tokens.size()
              + " ids; the tokenizer does not belong to this model");
    }
    for (long e : eosIds) {
      if (e < 0 || e >= tokens.size()) {
        throw new IllegalArgumentException(
            source + ": EOS id " + e + " outside the vocabulary [0, " + tokens.size() + ")");
      }
    }
  }

  /**
   * The vocabulary of {@code tokenizer} for a model with {@code logitWidth} logits.
   *
   * @throws IllegalArgumentException when the tokenizer's ids are not dense {@code 0..n-1}
   */
  public static Vocabulary of(Tokenizer tokenizer, int logitWidth, String source) {
    int n = tokenizer.vocabSize();
    String[] t = new String[n];
    for (int id = 0; id < n; id++) {
      final int i = id;
      t[id] =
          tokenizer
              .token(id)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          source
                              + ": token ids are not dense (no token has id "
                              + i
                              + " of "
                              + n
                              + "); steering needs ids 0..n-1"));
    }
    return new Vocabulary(Arrays.asList(t), logitWidth, tokenizer.eosIds(), source);
  }

  /** Number of token ids, the width of every distribution. */
  public int size() {
    return tokens.size();
  }

  /** Token string to id. */
  public Map<String, Integer> index() {
    Map<String, Integer> m = new HashMap<>(tokens.size() * 2);
    for (int i = 0; i < tokens.size(); i++) {
      m.putIfAbsent(tokens.get(i), i);
    }
    return m;
  }

  /** Whether {@code id} is one of the EOS ids. */
  public boolean isEos(long id) {
    for (long e : eosIds) {
      if (e == id) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vocabulary v
        && v.logitWidth == logitWidth
        && Arrays.equals(v.eosIds, eosIds)
        && v.tokens.equals(tokens)
        && v.source.equals(source);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tokens, logitWidth, Arrays.hashCode(eosIds), source);
  }

  @Override
  public String toString() {
    return "Vocabulary[" + source + ", " + tokens.size() + " ids, logit width " + logitWidth + "]";
  }
}
