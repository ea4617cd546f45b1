/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * The randomness used by secret sharing, masking seeds and privacy noise.
 *
 * <p>Production code uses {@link #secure()} (a {@link SecureRandom}). A reproducible source exists
 * only through {@link #deterministicForTesting(long)}, whose name says what it is for: its output
 * is predictable from the seed and therefore provides no privacy.
 */
public interface RandomSource {

  /** Returns 64 uniformly random bits. */
  long nextLong();

  /** Fills {@code out} with uniformly random bytes. */
  void nextBytes(byte[] out);

  /** Returns a standard normal sample (mean 0, variance 1). */
  double nextGaussian();

  /** Returns a uniform double in [0, 1). */
  default double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /**
   * Returns a uniform value in {@code [0, bound)} by rejection sampling (no modulo bias).
   *
   * @param bound exclusive upper bound, positive
   */
  default long nextLong(long bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    long mask = -1L >>> Long.numberOfLeadingZeros(bound - 1 == 0 ? 1 : bound - 1);
    while (true) {
      long r = nextLong() & mask;
      if (r < bound) {
        return r;
      }
    }
  }

  /** A source backed by a fresh {@link SecureRandom}: the default everywhere. */
  static RandomSource secure() {
    SecureRandom random = new SecureRandom();
    return new RandomSource() {
      @Override
      public long nextLong() {
        return random.nextLong();
      }

      @Override
      public void nextBytes(byte[] out) {
        random.nextBytes(out);
      }

      @Override
      public double nextGaussian() {
        return random.nextGaussian();
      }

      @Override
      public String toString() {
        return "RandomSource.secure()";
      }
    };
  }

  /**
   * A seeded, reproducible source for tests and simulations only. Its output is predictable and it
   * must never protect real data.
   */
  static RandomSource deterministicForTesting(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    return new RandomSource() {
      @Override
      public long nextLong() {
        return random.nextLong();
      }

      @Override
      public void nextBytes(byte[] out) {
        random.nextBytes(out);
      }

      @Override
      public double nextGaussian() {
        // Marsaglia polar method on the seeded stream.
        while (true) {
          double u = 2 * random.nextDouble() - 1;
          double v = 2 * random.nextDouble() - 1;
          double s = u * u + v * v;
          if (s > 0 && s < 1) {
            return u * Math.sqrt(-2 * Math.log(s) / s);
          }
        }
      }

      @Override
      public String toString() {
        return "RandomSource.deterministicForTesting(" + seed + ") [INSECURE]";
      }
    };
  }
}
