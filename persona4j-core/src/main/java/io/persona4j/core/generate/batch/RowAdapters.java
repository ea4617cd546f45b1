/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

/**
 * Per-row personalization of a batched forward pass: which adapter each row of the batch runs with.
 * {@link BatchEngine} keeps one row per running sequence and tells the implementation (in {@code
 * persona4j-adapters}: rows of different users' LoRA adapters in one forward pass) which adapter
 * each row holds and which rows the next forward pass covers. The adapter objects are opaque to the
 * engine; {@code null} is the base model.
 *
 * <p>All calls come from the engine's thread, between forward passes or around one.
 */
public interface RowAdapters {
  /** No personalization: every row runs the base model. */
  RowAdapters NONE =
      new RowAdapters() {
        @Override
        public void assign(int row, Object adapter) {
          if (adapter != null) {
            throw new IllegalArgumentException(
                "this engine has no per-row adapters; got " + adapter + " for row " + row);
          }
        }

        @Override
        public void move(int from, int to) {}

        @Override
        public void clear(int row) {}

        @Override
        public void beginForward(int first, int rows) {}

        @Override
        public void endForward() {}
      };

  /**
   * Row {@code row} runs with {@code adapter} (null: the base model) from the next forward pass on.
   *
   * @throws IllegalArgumentException if the adapter does not fit the model (the engine fails that
   *     sequence alone)
   */
  void assign(int row, Object adapter);

  /** Row {@code to} takes over row {@code from}'s adapter; row {@code from} becomes empty. */
  void move(int from, int to);

  /** Row {@code row} becomes empty (its sequence finished). */
  void clear(int row);

  /** The next forward pass computes rows {@code [first, first + rows)}, in that order. */
  void beginForward(int first, int rows);

  /** The forward pass begun by {@link #beginForward} is over. */
  void endForward();
}
