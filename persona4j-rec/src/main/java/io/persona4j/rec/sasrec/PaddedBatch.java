/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import java.util.Arrays;

/**
 * Histories laid out for the network: left-padded with 0 to the batch's width, the longest history
 * in the batch capped at {@code maxLen}; a history longer than {@code maxLen} keeps its last {@code
 * maxLen} items. Real items always end at the last column, so the last column holds every history's
 * most recent item and the column of an item counted from the right does not depend on the batch.
 *
 * @param ids row-major {@code [rows, width]} item ids, 0 = padding
 */
record PaddedBatch(int rows, int width, long[] ids) {

  /**
   * Pads {@code histories} (non-empty, items in {@code 1..numItems}) to one batch.
   *
   * @throws IllegalArgumentException naming the history and position of an empty history or an item
   *     out of range
   */
  static PaddedBatch of(int[][] histories, int maxLen, int numItems) {
    if (histories.length == 0) {
      throw new IllegalArgumentException("no histories given");
    }
    int width = 1;
    for (int i = 0; i < histories.length; i++) {
      int[] h = histories[i];
      if (h == null || h.length == 0) {
        throw new IllegalArgumentException("history " + i + " is empty (at least one item needed)");
      }
      width = Math.max(width, Math.min(h.length, maxLen));
    }
    long[] ids = new long[histories.length * width];
    for (int i = 0; i < histories.length; i++) {
      int[] h = histories[i];
      int n = Math.min(h.length, width);
      int from = h.length - n;
      int to = i * width + width - n;
      for (int j = 0; j < n; j++) {
        int item = h[from + j];
        checkItem(item, numItems, "history " + i + " position " + (from + j));
        ids[to + j] = item;
      }
    }
    return new PaddedBatch(histories.length, width, ids);
  }

  /**
   * Checks that there is at least one history, none is empty and every item is in {@code
   * 1..numItems}.
   *
   * @throws IllegalArgumentException naming the history and position otherwise
   */
  static void validate(int[][] histories, int numItems) {
    if (histories.length == 0) {
      throw new IllegalArgumentException("no histories given");
    }
    for (int i = 0; i < histories.length; i++) {
      int[] h = histories[i];
      if (h == null || h.length == 0) {
        throw new IllegalArgumentException("history " + i + " is empty (at least one item needed)");
      }
      for (int j = 0; j < h.length; j++) {
        checkItem(h[j], numItems, "history " + i + " position " + j);
      }
    }
  }

  static void checkItem(int item, int numItems, String where) {
    if (item < 1 || item > numItems) {
      throw new IllegalArgumentException(
          where + ": item " + item + " is outside 1.." + numItems + " (0 is padding)");
    }
  }

  /** The position-embedding row of column {@code c}: right-aligned to {@code maxLen}. */
  static long[] positions(int width, int maxLen) {
    long[] p = new long[width];
    Arrays.setAll(p, c -> maxLen - width + c);
    return p;
  }

  /** 1 where a column holds an item, 0 on padding, as {@code [rows * width]}. */
  float[] mask() {
    float[] m = new float[ids.length];
    for (int i = 0; i < ids.length; i++) {
      m[i] = ids[i] != 0 ? 1f : 0f;
    }
    return m;
  }
}
