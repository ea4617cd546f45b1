/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.KvCache;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.Arrays;

/**
 * One token stream of one model with its own KV cache: the prompt once ({@link #prefill}), then one
 * token at a time ({@link #append}), each call returning the next-token logits. It computes what
 * {@code LlamaModel.logits} computes on the whole prefix (the test {@code SteeredGreedyNaiveTest}
 * checks it), at one position's cost per token. Not thread-safe.
 */
public final class DecodeStream implements AutoCloseable {
  private final LlamaModel model;
  private final NDManager manager;
  private final KvCache cache;
  private final int window;
  private int length;
  private long forwardCalls;

  /**
   * @param capacity positions the cache holds (prompt + new tokens), at most the model's
   *     max_position_embeddings
   */
  public DecodeStream(LlamaModel model, NDManager parent, int capacity) {
    this.model = model;
    this.manager = parent.newSubManager();
    this.cache = model.newCache(manager, 1, capacity);
    this.window = model.config().attentionWindow();
  }

  /** Runs the prompt; returns the logits after its last token ({@code [logit width]}). */
  public float[] prefill(long[] ids) {
    if (length != 0) {
      throw new IllegalStateException("prefill on a stream that already holds " + length);
    }
    if (ids.length == 0) {
      throw new IllegalArgumentException("empty prompt");
    }
    return forward(ids);
  }

  /** Appends one token; returns the logits after it. */
  public float[] append(long id) {
    if (length == 0) {
      throw new IllegalStateException("append before prefill");
    }
    return forward(new long[] {id});
  }

  /** Tokens held so far. */
  public int length() {
    return length;
  }

  public int capacity() {
    return cache.capacity();
  }

  /** Forward passes run so far (a prefill counts once). */
  public long forwardCalls() {
    return forwardCalls;
  }

  private float[] forward(long[] ids) {
    int t = ids.length;
    if (length + t > cache.capacity()) {
      throw new IllegalStateException(
          "stream full: " + length + " + " + t + " tokens exceed capacity " + cache.capacity());
    }
    try (NDManager m = manager.newSubManager()) {
      long[] pos = new long[t];
      for (int i = 0; i < t; i++) {
        pos[i] = length + i;
      }
      NDArray idArr = m.create(ids, new Shape(1, t)); // [1, T]
      NDArray posArr = m.create(pos, new Shape(1, t)); // [1, T]
      boolean[][] valid = new boolean[1][length + t];
      Arrays.fill(valid[0], true);
      NDArray mask =
          t == 1 && (window <= 0 || length + 1 <= window)
              ? null // one new token that sees every slot
              : AttentionMask.causal(valid, length, t, window, m); // [1, 1, T, S]
      NDArray h = model.hidden(model.embed(idArr), posArr, mask, cache); // [1, T, H]
      NDArray last = t == 1 ? h : h.get(new NDIndex(":, -1, :")); // [1, 1, H] or [1, H]
      float[] logits = model.lmHead(last).toFloatArray(); // [V]
      length += t;
      forwardCalls++;
      return logits;
    }
  }

  @Override
  public void close() {
    cache.close();
    manager.close();
  }
}
