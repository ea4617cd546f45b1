package io.persona4j.federated.split;

import java.util.SplittableRandom;

/**
 * The order a split client visits its examples in: epochs that are each a permutation of {@code [0,
 * n)}, shuffled by a generator seeded from (seed, epoch) exactly as core's {@code Trainer} does, or
 * the identity. Equal orders are what make split steps equal ordinary steps.
 */
final class ExampleOrder {
  private final int n;
  private final long seed;
  private final boolean shuffle;
  private long cachedEpoch = -1;
  private int[] permutation;

  ExampleOrder(int n, long seed, boolean shuffle) {
    if (n < 1) {
      throw new IllegalArgumentException("no examples to order");
    }
    this.n = n;
    this.seed = seed;
    this.shuffle = shuffle;
  }

  /** The example index at global position {@code cursor >= 0}. */
  int at(long cursor) {
    long epoch = cursor / n;
    int offset = (int) (cursor % n);
    if (!shuffle) {
      return offset;
    }
    if (epoch != cachedEpoch) {
      int[] p = new int[n];
      for (int i = 0; i < n; i++) {
        p[i] = i;
      }
      SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
      for (int i = n - 1; i > 0; i--) { // Fisher-Yates
        int j = random.nextInt(i + 1);
        int tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
      }
      permutation = p;
      cachedEpoch = epoch;
    }
    return permutation[offset];
  }
}
