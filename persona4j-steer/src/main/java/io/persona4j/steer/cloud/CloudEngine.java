/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import java.util.concurrent.CompletableFuture;

/**
 * Runs the cloud model for many sessions: each session holds a sequence (its KV cache) from {@link
 * #start} to {@link #release}. Calls return at once; the logits arrive through the future. An
 * implementation may run the sessions' pending steps together in one forward pass.
 */
public interface CloudEngine extends AutoCloseable {

  /** A session's sequence in the engine. */
  interface Sequence {
    /** Tokens held so far. */
    int length();
  }

  /**
   * Allocates a sequence for a prompt and runs it.
   *
   * @param prompt token ids, non-empty, all within the model's vocabulary
   * @param capacity positions to reserve: prompt length + tokens that may be appended
   * @return the sequence and the logits after the prompt's last token
   */
  CompletableFuture<Started> start(long[] prompt, int capacity);

  /** Appends one token to a sequence; the future holds the logits after it. */
  CompletableFuture<float[]> append(Sequence sequence, long token);

  /** Frees a sequence (its KV cache). Idempotent; pending work on it fails. */
  void release(Sequence sequence);

  /** Sequences currently held. */
  int active();

  /** A started sequence with the logits after its prompt. */
  record Started(Sequence sequence, float[] logits) {}

  @Override
  void close();
}
