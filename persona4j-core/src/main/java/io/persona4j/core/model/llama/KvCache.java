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
  private ByteBuffer[] inPlace; // keys then values of every layer, read once; empty if impossible

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
   * The memory of every layer's key and value arrays itself (direct buffers, no copy) for the
   * small-batch decode step in the JVM ({@code io.persona4j.core.kernel.CachedAttention}), which
   * writes the new positions there and reads the rest; PyTorch's {@link #append} sees the same
   * memory. Null when the arrays cannot be read in place (then every step stays on PyTorch). The
   * arrays are never replaced, so the buffers stay valid until {@link #close()}.
   *
   * @return {@code [keys of layer 0, values of layer 0, keys of layer 1, ...]} or null
   */
  ByteBuffer[] inPlace() {
    ByteBuffer[] b = inPlace;
    if (b == null) {
      b = new ByteBuffer[2 * keys.length];
      for (int i = 0; i < keys.length && b.length > 0; i++) {
        if (!TorchOps.readableInPlace(keys[i]) || !TorchOps.readableInPlace(values[i])) {
          b = new ByteBuffer[0];
          break;
        }
        b[2 * i] = TorchOps.inPlace(keys[i]);
        b[2 * i + 1] = TorchOps.inPlace(values[i]);
      }
      inPlace = b;
    }
    return b.length == 0 ? null : b;
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
