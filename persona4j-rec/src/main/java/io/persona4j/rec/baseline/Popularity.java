/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.baseline;

import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.SeqExample;
import io.persona4j.rec.eval.CandidateMetrics;
import io.persona4j.rec.eval.FullRanking;
import io.persona4j.rec.eval.RankingMetrics;
import java.util.List;
import java.util.function.Function;

/**
 * Most-popular baseline: every user gets the same scores, an item's popularity.
 *
 * <p>An item's popularity is the number of distinct users in whose training examples it appears, as
 * a target or in a history; repeating an item in several overlapping histories does not inflate it.
 * With the {@link io.persona4j.rec.data.SequentialSplit} (an item at most once per user) this is
 * the number of users with at least 4 interactions having the item among their first {@code n-2}:
 * validation and test targets are never counted, so nothing leaks (a user with exactly 3
 * interactions has no training example and contributes nothing).
 */
public final class Popularity {
  private final long[] counts; // counts[0] unused (padding)
  private final float[] scores;

  private Popularity(long[] counts) {
    this.counts = counts;
    this.scores = new float[counts.length];
    scores[0] = Float.NEGATIVE_INFINITY;
    for (int i = 1; i < counts.length; i++) {
      scores[i] = counts[i];
    }
  }

  /** Counts popularity over {@code train}; items are {@code 1..numItems}. */
  public static Popularity fit(List<SeqExample> train, int numItems) {
    if (numItems < 1) {
      throw new IllegalArgumentException("numItems must be >= 1, got " + numItems);
    }
    long[] counts = new long[numItems + 1];
    // Group the examples by user (counting sort), then count each (user, item) once using a
    // per-item stamp of the last user that counted it.
    int maxUser = -1;
    for (SeqExample e : train) {
      maxUser = Math.max(maxUser, e.user());
    }
    int[] start = new int[maxUser + 2];
    for (SeqExample e : train) {
      start[e.user() + 1]++;
    }
    for (int u = 0; u <= maxUser; u++) {
      start[u + 1] += start[u];
    }
    SeqExample[] byUser = new SeqExample[train.size()];
    int[] next = start.clone();
    for (SeqExample e : train) {
      byUser[next[e.user()]++] = e;
    }
    int[] stamp = new int[numItems + 1]; // user + 1 of the last count, 0 = none
    for (SeqExample e : byUser) {
      count(counts, stamp, e.user(), e.target(), numItems);
      for (int i = 0; i < e.historyLength(); i++) {
        count(counts, stamp, e.user(), e.historyItem(i), numItems);
      }
    }
    return new Popularity(counts);
  }

  private static void count(long[] counts, int[] stamp, int user, int item, int numItems) {
    if (item > numItems) {
      throw new IllegalArgumentException("item " + item + " > numItems " + numItems);
    }
    if (stamp[item] != user + 1) {
      stamp[item] = user + 1;
      counts[item]++;
    }
  }

  public int numItems() {
    return counts.length - 1;
  }

  /** Popularity of {@code item}. */
  public long count(int item) {
    return counts[item];
  }

  /** Scores over items (index 0: padding, {@code -inf}), a fresh copy. */
  public float[] scores() {
    return scores.clone();
  }

  /**
   * The most popular of {@code candidates}; ties go to the earliest in the list (candidate lists
   * are shuffled, so this is a seeded random tie-break).
   */
  public int choose(int[] candidates) {
    if (candidates.length == 0) {
      throw new IllegalArgumentException("no candidates");
    }
    int best = candidates[0];
    for (int c : candidates) {
      if (counts[c] > counts[best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Full-ranking metrics over {@code examples}, skipping for each the items {@code excluded}
   * returns (e.g. {@code split::itemsBefore}, or {@code SeqExample::history}).
   */
  public RankingMetrics evaluateFullRanking(
      List<SeqExample> examples, Function<SeqExample, int[]> excluded) {
    RankingMetrics m = new RankingMetrics();
    for (SeqExample e : examples) {
      m.add(FullRanking.rank(scores, e.target(), excluded.apply(e)));
    }
    return m;
  }

  /** Candidate-protocol metrics: the chosen candidate is {@link #choose(int[])}'s. */
  public CandidateMetrics evaluateCandidates(List<CandidateExample> examples) {
    CandidateMetrics m = new CandidateMetrics();
    for (CandidateExample e : examples) {
      m.addChoice(choose(e.candidates()), e.example().target());
    }
    return m;
  }
}
