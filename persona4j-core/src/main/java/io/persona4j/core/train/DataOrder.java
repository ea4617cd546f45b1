/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The order examples are visited in: an endless sequence of epochs, each a permutation of {@code
 * [0, n)} (shuffled by a generator seeded from the run seed and the epoch number, or the identity).
 * A position in the sequence, the cursor, is all a checkpoint needs to continue the exact order.
 *
 * <p>Every party that trains on examples takes its batches from here ({@link Trainer}, the
 * split-learning client), so that equal seeds give equal orders.
 */
public final class DataOrder {
  private final int n;
  private final long seed;
  private final boolean shuffle;
  private long cachedEpoch = -1;
  private int[] permutation;

  /**
   * @param n number of examples, {@code >= 1}
   * @param seed the run's seed
   * @param shuffle whether each epoch is a seeded permutation (else list order)
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public DataOrder(int n, long seed, boolean shuffle) {
    if (n < 1) {
      throw new IllegalArgumentException("no examples to order");
    }
    this.n = n;
    this.seed = seed;
    this.shuffle = shuffle;
  }

  /** The example at global position {@code cursor} (epoch {@code cursor / n}). */
  public int at(long cursor) {
    if (cursor < 0) {
      throw new IllegalArgumentException("negative data cursor " + cursor);
    }
    long epoch = cursor / n;
    int offset = (int) (cursor % n);
    if (!shuffle) {
      return offset;
    }
    if (epoch != cachedEpoch) {
      permutation = permutation(epoch);
      cachedEpoch = epoch;
    }
    return permutation[offset];
  }

  /**
   * The batch of the {@code size} examples at positions {@code [cursor, cursor + size)}, right
   * padded with {@code padId}.
   *
   * @param examples the {@link #size()} examples this order is over
   */
  public Batch batch(List<Example> examples, long cursor, int size, long padId) {
    if (examples.size() != n) {
      throw new IllegalArgumentException(
          "an order over " + n + " examples cannot pick from " + examples.size());
    }
    List<Example> picked = new ArrayList<>(size);
    for (int j = 0; j < size; j++) {
      picked.add(examples.get(at(cursor + j)));
    }
    return Batch.of(picked, padId);
  }

  /** Fisher-Yates shuffle with a generator derived from (seed, epoch). */
  int[] permutation(long epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }

  /** The number of examples. */
  public int size() {
    return n;
  }
}
