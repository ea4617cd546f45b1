/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import io.persona4j.core.model.TorchOps;
import java.nio.ByteBuffer;

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

  /**
   * What a decode step in the JVM needs to write and read this cache in place: every layer's key
   * and value memory ({@code [slots, kvHeads, capacity, headDim]} native floats, rows {@code [0,
   * rows)} used), the slot each row's new position goes to, and the number of slots every row
   * attends to (the mask hides the ones a row must not see).
   *
   * @param buffers keys of layer 0, values of layer 0, keys of layer 1, ...
   * @param positions {@code [rows]}: where each row writes, each below {@code span}
   * @param span slots {@code [0, span)} are attended to, at most {@code capacity}
   */
  record InPlace(ByteBuffer[] buffers, int capacity, int[] positions, int span) {}

  /**
   * This cache's memory for a decode step of {@code rows} rows with one new position each, run in
   * the JVM ({@code io.persona4j.core.kernel.CachedAttention}); null when this cache or this step
   * cannot (then PyTorch runs the step through {@link #append}).
   */
  default InPlace inPlace(int rows) {
    return null;
  }

  /**
   * The memory of every layer's key and value arrays itself (direct buffers, no copy), for {@link
   * #inPlace}; null if one of them cannot be read in place (JDK 21, a non-contiguous array). Call
   * once per cache, not per step: the arrays must never be replaced while the buffers are used.
   */
  static ByteBuffer[] memoryOf(NDArray[] keys, NDArray[] values) {
    ByteBuffer[] b = new ByteBuffer[2 * keys.length];
    for (int i = 0; i < keys.length; i++) {
      if (!TorchOps.readableInPlace(keys[i]) || !TorchOps.readableInPlace(values[i])) {
        return null;
      }
      b[2 * i] = TorchOps.inPlace(keys[i]);
      b[2 * i + 1] = TorchOps.inPlace(values[i]);
    }
    return b;
  }
}
