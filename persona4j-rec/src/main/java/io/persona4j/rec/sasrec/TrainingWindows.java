/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SASRec's training examples: windows of at most {@code maxLen + 1} consecutive items of a user's
 * training sequence; the first {@code n - 1} items are the input and each position's next item is
 * its positive. Negatives are drawn uniformly from the items the user never interacted with in the
 * training sequence (as the reference code does), one per position, when a batch is built.
 *
 * <p>Without {@link SasRecConfig#splitLongSequences()} a user gives one window, its last {@code
 * maxLen + 1} items; with it, consecutive windows from the end backwards overlapping by one item,
 * so every item after the first is a positive exactly once. Sequences of fewer than two items give
 * no window.
 */
final class TrainingWindows {
  /** Inputs, positives and negatives of a batch, aligned (row-major {@code [rows, width]}). */
  record Batch(PaddedBatch inputs, long[] positives, long[] negatives, int targets) {}

  private final int numItems;
  private final List<int[]> windows = new ArrayList<>();
  private final List<Integer> owners = new ArrayList<>();
  private final int[][] seen;

  /**
   * @throws IllegalArgumentException naming the sequence and position of an item outside {@code
   *     1..numItems}, or a user who has interacted with every item (no negative exists)
   */
  TrainingWindows(int[][] sequences, SasRecConfig config) {
    this.numItems = config.numItems();
    int maxLen = config.maxLen();
    seen = new int[sequences.length][];
    for (int u = 0; u < sequences.length; u++) {
      int[] s = sequences[u];
      if (s == null) {
        throw new IllegalArgumentException("training sequence " + u + " is null");
      }
      for (int j = 0; j < s.length; j++) {
        PaddedBatch.checkItem(s[j], numItems, "training sequence " + u + " position " + j);
      }
      seen[u] = Arrays.stream(s).distinct().sorted().toArray();
      if (seen[u].length >= numItems) {
        throw new IllegalArgumentException(
            "training sequence "
                + u
                + " contains all "
                + numItems
                + " items: no negative item can be sampled for it");
      }
      for (int end = s.length; end >= 2; end -= maxLen) {
        windows.add(Arrays.copyOfRange(s, Math.max(0, end - maxLen - 1), end));
        owners.add(u);
        if (!config.splitLongSequences()) {
          break;
        }
      }
    }
    if (windows.isEmpty()) {
      throw new IllegalArgumentException(
          "no training sequence has two or more items (nothing to learn from)");
    }
  }

  int size() {
    return windows.size();
  }

  /** The batch of windows {@code order[from..to)}, negatives drawn from {@code random}. */
  Batch batch(int[] order, int from, int to, SplittableRandom random) {
    int rows = to - from;
    int width = 1;
    for (int i = from; i < to; i++) {
      width = Math.max(width, windows.get(order[i]).length - 1);
    }
    long[] ids = new long[rows * width];
    long[] pos = new long[rows * width];
    long[] neg = new long[rows * width];
    int targets = 0;
    for (int r = 0; r < rows; r++) {
      int[] w = windows.get(order[from + r]);
      int[] excluded = seen[owners.get(order[from + r])];
      int n = w.length - 1;
      int base = r * width + width - n;
      for (int j = 0; j < n; j++) {
        ids[base + j] = w[j];
        pos[base + j] = w[j + 1];
        neg[base + j] = negative(excluded, random);
      }
      targets += n;
    }
    return new Batch(new PaddedBatch(rows, width, ids), pos, neg, targets);
  }

  private int negative(int[] excluded, SplittableRandom random) {
    while (true) {
      int item = 1 + random.nextInt(numItems);
      if (Arrays.binarySearch(excluded, item) < 0) {
        return item;
      }
    }
  }
}
