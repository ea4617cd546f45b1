/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

/** Observes the engine's forward passes (metrics). Called on the engine's thread. */
public interface EngineListener {
  /** What a forward pass did. */
  enum Pass {
    /** New sequences' prompts. */
    PREFILL,
    /** One new token for every running sequence. */
    DECODE
  }

  /**
   * @param rows sequences in the pass
   * @param tokens positions computed (prompt tokens with padding for a prefill, rows for a decode)
   * @param distinctAdapters distinct adapters among the rows (the base model not counted)
   * @param nanos wall time of the pass, sampling included
   */
  void onForward(Pass pass, int rows, int tokens, int distinctAdapters, long nanos);

  EngineListener NONE = (pass, rows, tokens, distinctAdapters, nanos) -> {};
}
