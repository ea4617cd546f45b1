/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;

/**
 * Where a decoder's layers keep the keys and values of past positions. {@link KvCache} is the plain
 * one (all rows share one write position); {@code io.persona4j.core.generate.batch} has one with a
 * slot per sequence, each at its own length, for continuous batching.
 */
public interface DecoderCache {
  /**
   * Stores the new keys and values of {@code layer} and returns every key and value the new
   * positions attend to (masked slots included; the caller's mask hides them).
   *
   * @param k {@code [B, kvHeads, T, headDim]}
   * @param v {@code [B, kvHeads, T, headDim]}
   * @return keys and values {@code [B, kvHeads, S, headDim]}
   */
  NDArray[] append(int layer, NDArray k, NDArray v);

  /** Called once after the last layer appended {@code t} new positions. */
  void advance(int t);
}
