package io.persona4j.core.train;

import java.util.SplittableRandom;

/**
 * The order examples are visited in: an endless sequence of epochs, each a permutation of {@code
 * [0, n)} (shuffled by a generator seeded from the run seed and the epoch number, or the identity).
 * A position in the sequence, the cursor, is all a checkpoint needs to continue the exact order.
 */
final class DataOrder {
  private final int n;
  private final long seed;
  private final boolean shuffle;
  private long cachedEpoch = -1;
  private int[] permutation;

  DataOrder(int n, long seed, boolean shuffle) {
    if (n < 1) {
      throw new IllegalArgumentException("no examples to order");
    }
    this.n = n;
    this.seed = seed;
    this.shuffle = shuffle;
  }

  /** The example at global position {@code cursor} (epoch {@code cursor / n}). */
  int at(long cursor) {
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

  int size() {
    return n;
  }
}
