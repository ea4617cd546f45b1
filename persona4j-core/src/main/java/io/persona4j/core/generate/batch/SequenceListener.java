/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

/**
 * Receives a sequence's tokens as the engine produces them. Called on the engine's thread: return
 * quickly (hand the token to another thread); an exception thrown here cancels the sequence.
 */
public interface SequenceListener {
  /** A new token (a stop token included, as the last one). */
  void onToken(long token);

  /**
   * The next-token logits of an {@linkplain SequenceRequest#external() external} sequence; the
   * engine waits for {@link Sequence#feed} before this sequence goes on. The array is the
   * listener's to keep.
   */
  default void onLogits(float[] logits) {
    throw new UnsupportedOperationException("this listener takes no logits");
  }

  /**
   * The sequence left the batch; called exactly once, after its last token.
   *
   * @param error the cause for {@link FinishReason#ERROR}, else null
   */
  void onFinish(FinishReason reason, Throwable error);
}
