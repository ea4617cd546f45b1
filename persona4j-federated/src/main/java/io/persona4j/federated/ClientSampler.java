/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Seeded client sampling: {@code max(minClients, ceil(fraction * available))} clients drawn without
 * replacement. The draw depends only on (seed, round, attempt) and the sorted client list, so a
 * resumed run samples exactly as an uninterrupted one.
 *
 * @param fraction fraction of available clients per round, in (0, 1]
 * @param minClients minimum number of clients per round, {@code >= 1}
 * @param seed random seed
 */
public record ClientSampler(double fraction, int minClients, long seed) {

  /** Validates the fields. */
  public ClientSampler {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
    if (minClients < 1) {
      throw new IllegalArgumentException("minClients must be >= 1, got " + minClients);
    }
  }

  /** Number of clients sampled from {@code available}. */
  public int sampleSize(int available) {
    return Math.max(minClients, (int) Math.ceil(fraction * available - 1e-9));
  }

  /**
   * The sorted sample for a round and attempt; throws {@link IllegalStateException} if fewer than
   * {@code minClients} clients are available.
   */
  public List<String> sample(int round, int attempt, List<String> available) {
    List<String> sorted = new ArrayList<>(available);
    Collections.sort(sorted);
    if (sorted.size() < minClients) {
      throw new IllegalStateException(
          "only " + sorted.size() + " clients available, minClients is " + minClients);
    }
    int n = Math.min(sorted.size(), sampleSize(sorted.size()));
    long mixed =
        seed * 0x9E3779B97F4A7C15L + round * 0xBF58476D1CE4E5B9L + attempt * 0x94D049BB133111EBL;
    Collections.shuffle(sorted, new Random(mixed));
    List<String> out = new ArrayList<>(sorted.subList(0, n));
    Collections.sort(out);
    return List.copyOf(out);
  }
}
