/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.persona4j.core.model.TorchOps;
import io.persona4j.core.model.llama.DecoderCache;
import java.nio.ByteBuffer;

/**
 * A decoder KV cache with one slot per running sequence, each at its own length: per layer {@code
 * keys, values [slots, kvHeads, capacity, headDim]}. The rows of a forward pass are a contiguous
 * range of slots; {@link BatchEngine} keeps the running sequences in slots {@code [0, n)} by moving
 * the last one into a slot that a finished sequence left ({@link #move}).
 *
 * <p>Two kinds of forward pass write it:
 *
 * <ul>
 *   <li>a prefill of rows {@code [first, first + rows)}: the prompts' keys and values {@code [rows,
 *       kvHeads, T, headDim]} go to positions {@code [0, T)} of those slots (right-padded prompts:
 *       the padding's positions are overwritten by later tokens and masked until then);
 *   <li>a decode step of rows {@code [0, rows)}: one new position per row, written at that row's
 *       own length with one indexed write per layer, and the attention reads positions {@code [0,
 *       span)} of every row (the caller's mask hides each row's slots at or beyond its length).
 * </ul>
 *
 * Not thread-safe: the engine's thread alone uses it.
 */
final class SlotKvCache implements DecoderCache, AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys; // [slots, kvHeads, capacity, headDim] per layer
  private final NDArray[] values;
  private final int slots;
  private final int capacity;

  private enum Mode {
    NONE,
    PREFILL,
    DECODE
  }

  private Mode mode = Mode.NONE;
  private int first;
  private int rows;
  private int span;
  private NDArray rowIndex; // [rows] int64 (decode)
  private NDArray positionIndex; // [rows] int64 (decode)
  private int[] positions; // [rows] (decode)
  private ByteBuffer[] memory; // keys then values of every layer, read once; empty if impossible

  SlotKvCache(NDManager parent, int layers, int slots, int kvHeads, int capacity, int headDim) {
    if (layers <= 0 || slots <= 0 || kvHeads <= 0 || capacity <= 0 || headDim <= 0) {
      throw new IllegalArgumentException(
          "KV cache dimensions must be > 0: layers=%d slots=%d kvHeads=%d capacity=%d headDim=%d"
              .formatted(layers, slots, kvHeads, capacity, headDim));
    }
    this.manager = parent.newSubManager();
    this.slots = slots;
    this.capacity = capacity;
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    Shape shape = new Shape(slots, kvHeads, capacity, headDim);
    for (int i = 0; i < layers; i++) {
      keys[i] = manager.zeros(shape);
      values[i] = manager.zeros(shape);
    }
  }

  int slots() {
    return slots;
  }

  int capacity() {
    return capacity;
  }

  /** Bytes of the key and value buffers. */
  long bytes() {
    long b = 0;
    for (int i = 0; i < keys.length; i++) {
      b += 2 * keys[i].size() * 4;
    }
    return b;
  }

  /** The next forward pass prefills slots {@code [first, first + rows)} from position 0. */
  void beginPrefill(int first, int rows) {
    checkRange(first, rows);
    this.mode = Mode.PREFILL;
    this.first = first;
    this.rows = rows;
  }

  /**
   * The next forward pass decodes one position of slots {@code [0, rows)}, row r writing at {@code
   * positions[r]} and attending to positions {@code [0, span)}.
   *
   * @param m manager of the step (owns the index arrays)
   */
  void beginDecode(int rows, long[] positions, int span, NDManager m) {
    checkRange(0, rows);
    if (positions.length != rows) {
      throw new IllegalArgumentException(positions.length + " positions for " + rows + " rows");
    }
    if (span > capacity) {
      throw new IllegalStateException("span " + span + " exceeds the capacity " + capacity);
    }
    long[] r = new long[rows];
    for (int i = 0; i < rows; i++) {
      if (positions[i] < 0 || positions[i] >= span) {
        throw new IllegalArgumentException(
            "row " + i + " writes position " + positions[i] + " outside [0, " + span + ")");
      }
      r[i] = i;
    }
    this.mode = Mode.DECODE;
    this.first = 0;
    this.rows = rows;
    this.span = span;
    this.rowIndex = m.create(r);
    this.positionIndex = m.create(positions);
    this.positions = new int[rows];
    for (int i = 0; i < rows; i++) {
      this.positions[i] = (int) positions[i];
    }
  }

  /**
   * During a decode step ({@link #beginDecode}) of {@code rows} rows: each row writes at its own
   * position and attends to {@code [0, span)}. The arrays are never replaced, so the buffers stay
   * valid until {@link #close()}.
   */
  @Override
  public InPlace inPlace(int rows) {
    if (memory == null) {
      ByteBuffer[] b = DecoderCache.memoryOf(keys, values);
      memory = b == null ? new ByteBuffer[0] : b;
    }
    if (memory.length == 0 || mode != Mode.DECODE || rows != this.rows) {
      return null;
    }
    return new InPlace(memory, capacity, positions.clone(), span);
  }

  /** Ends the forward pass begun by {@link #beginPrefill} or {@link #beginDecode}. */
  void end() {
    mode = Mode.NONE;
    rowIndex = null;
    positionIndex = null;
    positions = null;
  }

  @Override
  public NDArray[] append(int layer, NDArray k, NDArray v) {
    switch (mode) {
      case PREFILL -> {
        long t = k.getShape().get(2);
        if (t > capacity) {
          throw new IllegalStateException(t + " positions exceed the capacity " + capacity);
        }
        write(keys[layer], k);
        write(values[layer], v);
        return new NDArray[] {k, v}; // the prompt attends to itself only
      }
      case DECODE -> {
        put(keys[layer], k);
        put(values[layer], v);
        NDArray kr = TorchOps.slice(keys[layer], 0, 0, rows); // [rows, kvh, capacity, hd]
        NDArray vr = TorchOps.slice(values[layer], 0, 0, rows);
        return new NDArray[] {
          TorchOps.slice(kr, 2, 0, span), TorchOps.slice(vr, 2, 0, span)
        }; // [rows, kvh, span, hd]
      }
      default -> throw new IllegalStateException("append outside a forward pass");
    }
  }

  @Override
  public void advance(int t) {
    // Lengths are the engine's: nothing to do.
  }

  /** {@code target[first:first+rows, :, 0:T, :] = kv}. */
  private void write(NDArray target, NDArray kv) {
    long t = kv.getShape().get(2);
    NDArray rowsView = TorchOps.slice(target, 0, first, first + rows); // a view
    TorchOps.assign(rowsView, 2, 0, t, kv);
  }

  /** {@code target[r, :, positions[r], :] = kv[r, :, 0, :]} for every row r, one write. */
  private void put(NDArray target, NDArray kv) {
    NDArray value = kv.squeeze(2); // [rows, kvh, hd]
    NDIndex index = new NDIndex("{}, :, {}", rowIndex, positionIndex);
    if (target instanceof PtNDArray t && value instanceof PtNDArray p) {
      JniUtils.indexAdvPut(t, index, p);
    } else {
      target.set(index, value);
    }
  }

  /** Copies the first {@code length} positions of slot {@code from} into slot {@code to}. */
  void move(int from, int to, int length) {
    checkRange(from, 1);
    checkRange(to, 1);
    if (from == to || length == 0) {
      return;
    }
    try (NDScope scope = new NDScope()) { // frees the views
      scope.suppressNotUsedWarning();
      for (int i = 0; i < keys.length; i++) {
        copySlot(keys[i], from, to, length);
        copySlot(values[i], from, to, length);
      }
    }
  }

  private static void copySlot(NDArray buffer, int from, int to, int length) {
    NDArray src = TorchOps.slice(TorchOps.slice(buffer, 0, from, from + 1), 2, 0, length);
    TorchOps.assign(TorchOps.slice(buffer, 0, to, to + 1), 2, 0, length, src);
  }

  private void checkRange(int start, int n) {
    if (start < 0 || n < 0 || start + n > slots) {
      throw new IllegalArgumentException(
          "slots [" + start + ", " + (start + n) + ") outside [0, " + slots + ")");
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
