/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.TorchOps;
import java.nio.ByteBuffer;

/**
 * Preallocated key/value cache of a decoder: per layer {@code [B, kvHeads, capacity, headDim]} for
 * keys and values. All rows of a batch share one write position (prompts are left-padded); padded
 * slots are hidden by the key mask.
 */
public final class KvCache implements DecoderCache, AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int capacity;
  private int length;
  private ByteBuffer[] memory; // keys then values of every layer, read once; empty if impossible

  public KvCache(NDManager parent, int layers, int batch, int kvHeads, int capacity, int headDim) {
    if (layers <= 0 || batch <= 0 || kvHeads <= 0 || capacity <= 0 || headDim <= 0) {
      throw new IllegalArgumentException(
          "KV cache dimensions must be > 0: layers=%d batch=%d kvHeads=%d capacity=%d headDim=%d"
              .formatted(layers, batch, kvHeads, capacity, headDim));
    }
    this.manager = parent.newSubManager();
    this.capacity = capacity;
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    Shape shape = new Shape(batch, kvHeads, capacity, headDim);
    for (int i = 0; i < layers; i++) {
      keys[i] = manager.zeros(shape);
      values[i] = manager.zeros(shape);
    }
  }

  /** Number of positions already written (the next write goes there). */
  public int length() {
    return length;
  }

  public int capacity() {
    return capacity;
  }

  public int batchSize() {
    return (int) keys[0].getShape().get(0);
  }

  /**
   * Writes {@code k, v [B, kvHeads, T, headDim]} of {@code layer} at {@link #length()} and returns
   * views of the whole filled range {@code [B, kvHeads, length + T, headDim]}. Call {@link
   * #advance(int)} once after the last layer.
   */
  @Override
  public NDArray[] append(int layer, NDArray k, NDArray v) {
    int t = (int) k.getShape().get(2);
    if (length + t > capacity) {
      throw new IllegalStateException(
          "KV cache full: " + length + " + " + t + " positions exceed capacity " + capacity);
    }
    TorchOps.assign(keys[layer], 2, length, length + t, k);
    TorchOps.assign(values[layer], 2, length, length + t, v);
    return new NDArray[] {
      TorchOps.slice(keys[layer], 2, 0, length + t), TorchOps.slice(values[layer], 2, 0, length + t)
    };
  }

  /**
   * All rows write at {@link #length()} and attend to the slots up to it; null when the cache is
   * full (PyTorch then reports it), the step has another number of rows, or the arrays cannot be
   * read in place. The arrays are never replaced, so the buffers stay valid until {@link #close()}.
   */
  @Override
  public InPlace inPlace(int rows) {
    if (memory == null) {
      ByteBuffer[] b = DecoderCache.memoryOf(keys, values);
      memory = b == null ? new ByteBuffer[0] : b;
    }
    if (memory.length == 0 || rows != batchSize() || length >= capacity) {
      return null;
    }
    int[] positions = new int[rows];
    java.util.Arrays.fill(positions, length);
    return new InPlace(memory, capacity, positions, length + 1);
  }

  /** Marks {@code t} more positions as written, after every layer appended them. */
  @Override
  public void advance(int t) {
    length += t;
  }

  /** Forgets everything written (the buffers are reused). */
  public void reset() {
    length = 0;
  }

  @Override
  public void close() {
    manager.close();
  }
}
