/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

import io.persona4j.core.generate.SamplingConfig;
import java.util.Objects;

/**
 * One sequence to generate.
 *
 * @param prompt the prompt's token ids (at least one)
 * @param sampling how to pick tokens, how many at most, and the stop tokens; the sampler draws from
 *     {@code new SplittableRandom(seed).split()}, as {@link io.persona4j.core.generate.Generator}
 *     does for a single prompt, so a sequence generates the same tokens here as there
 * @param adapter what {@link RowAdapters} applies to its row, or null for the base model
 * @param external false: the engine samples each token with {@code sampling}; true: the engine
 *     hands each step's logits to {@link SequenceListener#onLogits} and waits for the caller to
 *     choose the token ({@link Sequence#feed}) while the other rows go on (CoSteer's cloud, where a
 *     device picks the token); {@code sampling}'s token limit and stop tokens still apply
 */
public record SequenceRequest(
    long[] prompt, SamplingConfig sampling, Object adapter, boolean external) {
  public SequenceRequest {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(sampling, "sampling");
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt is empty (add a BOS token)");
    }
    prompt = prompt.clone();
  }

  /** A sequence the engine samples itself. */
  public SequenceRequest(long[] prompt, SamplingConfig sampling, Object adapter) {
    this(prompt, sampling, adapter, false);
  }

  /** The prompt's length. */
  public int promptLength() {
    return prompt.length;
  }
}
