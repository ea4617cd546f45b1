/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Bounded exponential backoff between reconnection attempts: {@code min(max, initial *
 * multiplier^attempt)} scaled by a uniform factor in {@code [1 - jitter, 1 + jitter]} (seeded).
 *
 * @param initial delay before the first retry, {@code > 0}
 * @param max upper bound of the un-jittered delay, {@code >= initial}
 * @param multiplier growth per attempt, {@code >= 1}
 * @param jitter relative jitter in {@code [0, 1)}
 * @param seed seed of the jitter
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter, long seed) {

  /** Validates the fields. */
  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isZero() || initial.isNegative()) {
      throw new IllegalArgumentException("initial must be > 0, got " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max must be >= initial, got " + max);
    }
    if (!(multiplier >= 1)) {
      throw new IllegalArgumentException("multiplier must be >= 1, got " + multiplier);
    }
    if (!(jitter >= 0 && jitter < 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
    }
  }

  /** 100 ms doubling up to 5 s, 20% jitter. */
  public static Backoff defaults() {
    return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), 2.0, 0.2, 42);
  }

  /** The un-jittered delay before retry number {@code attempt} (0-based). */
  public Duration base(int attempt) {
    double ms = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempt));
    return Duration.ofMillis((long) Math.min(max.toMillis(), ms));
  }

  /** A sampler of jittered delays. */
  Sampler sampler() {
    return new Sampler(new SplittableRandom(seed));
  }

  /** Draws jittered delays. */
  final class Sampler {
    private final SplittableRandom random;

    private Sampler(SplittableRandom random) {
      this.random = random;
    }

    Duration delay(int attempt) {
      double f = 1 + jitter * (2 * random.nextDouble() - 1);
      return Duration.ofMillis(Math.max(1, (long) (base(attempt).toMillis() * f)));
    }
  }
}
