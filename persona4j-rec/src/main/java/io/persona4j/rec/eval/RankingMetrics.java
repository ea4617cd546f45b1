/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.eval;

import java.util.Arrays;
import java.util.Locale;

/**
 * Full-ranking metrics from 0-based target ranks (see {@link FullRanking}): {@code HitRate@k} (1 if
 * {@code rank < k}) and {@code NDCG@k} ({@code 1 / log2(rank + 2)} if {@code rank < k}, else 0:
 * with a single relevant item the ideal DCG is 1). The accumulator keeps every rank, so any {@code
 * k} can be asked for afterwards; values are means over the added examples. Not thread-safe.
 */
public final class RankingMetrics {
  private int[] ranks = new int[64];
  private int count;

  /** HitRate@k of one example. */
  public static double hit(int rank, int k) {
    check(rank, k);
    return rank < k ? 1.0 : 0.0;
  }

  /** NDCG@k of one example. */
  public static double ndcg(int rank, int k) {
    check(rank, k);
    return rank < k ? 1.0 / (Math.log(rank + 2.0) / Math.log(2.0)) : 0.0;
  }

  private static void check(int rank, int k) {
    if (rank < 0) {
      throw new IllegalArgumentException("rank must be >= 0, got " + rank);
    }
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
  }

  /** Adds one example's 0-based rank. */
  public RankingMetrics add(int rank) {
    check(rank, 1);
    if (count == ranks.length) {
      ranks = Arrays.copyOf(ranks, count * 2);
    }
    ranks[count++] = rank;
    return this;
  }

  /** Adds all of {@code other}'s ranks. */
  public RankingMetrics addAll(RankingMetrics other) {
    for (int i = 0; i < other.count; i++) {
      add(other.ranks[i]);
    }
    return this;
  }

  /** Number of examples added. */
  public int count() {
    return count;
  }

  /** Mean HitRate@k (0 when empty). */
  public double hitRate(int k) {
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += hit(ranks[i], k);
    }
    return count == 0 ? 0.0 : sum / count;
  }

  /** Mean NDCG@k (0 when empty). */
  public double ndcg(int k) {
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += ndcg(ranks[i], k);
    }
    return count == 0 ? 0.0 : sum / count;
  }

  /** Mean of the 0-based ranks (0 when empty). */
  public double meanRank() {
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += ranks[i];
    }
    return count == 0 ? 0.0 : sum / count;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "RankingMetrics[n=%d, HR@1=%.4f, HR@10=%.4f, NDCG@10=%.4f, HR@20=%.4f, NDCG@20=%.4f]",
        count,
        hitRate(1),
        hitRate(10),
        ndcg(10),
        hitRate(20),
        ndcg(20));
  }
}
