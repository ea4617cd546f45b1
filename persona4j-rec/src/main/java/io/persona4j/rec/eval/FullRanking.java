/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.eval;

/**
 * Rank of a target among all items, given one score per item. Score arrays are indexed by dense
 * item: {@code scores[i]} is item {@code i}'s score for {@code i} in {@code 1..scores.length-1};
 * {@code scores[0]} (padding) is ignored.
 *
 * <p>The rank is 0-based: the number of other, non-excluded items that score higher than the
 * target, plus those that tie with it (ties count against the target, so a constant scorer ranks
 * every target last, and a model cannot profit from ties). Excluded items (typically the user's
 * history) are skipped; the target itself is never excluded, even if listed.
 */
public final class FullRanking {
  private FullRanking() {}

  /**
   * The 0-based rank of {@code target}.
   *
   * @param scores one score per item, index 0 ignored; no NaN
   * @param target item to rank, in {@code 1..scores.length-1}
   * @param excluded items to skip, each in {@code 1..scores.length-1}, any order (a repeated item
   *     is skipped once)
   */
  public static int rank(float[] scores, int target, int[] excluded) {
    int n = scores.length - 1;
    if (target < 1 || target > n) {
      throw new IllegalArgumentException("target must be in [1, " + n + "], got " + target);
    }
    float t = scores[target];
    if (Float.isNaN(t)) {
      throw new IllegalArgumentException("score of the target " + target + " is NaN");
    }
    int rank = 0;
    for (int i = 1; i <= n; i++) {
      float s = scores[i];
      if (i != target && s >= t) {
        rank++;
      } else if (Float.isNaN(s)) {
        throw new IllegalArgumentException("score of item " + i + " is NaN");
      }
    }
    boolean[] seen = excluded.length > 16 ? new boolean[n + 1] : null;
    for (int k = 0; k < excluded.length; k++) {
      int e = excluded[k];
      if (e < 1 || e > n) {
        throw new IllegalArgumentException("excluded items must be in [1, " + n + "], got " + e);
      }
      if (e == target || isRepeat(excluded, k, seen)) {
        continue;
      }
      if (scores[e] >= t) {
        rank--;
      }
    }
    return rank;
  }

  private static boolean isRepeat(int[] excluded, int k, boolean[] seen) {
    if (seen != null) {
      boolean was = seen[excluded[k]];
      seen[excluded[k]] = true;
      return was;
    }
    for (int j = 0; j < k; j++) {
      if (excluded[j] == excluded[k]) {
        return true;
      }
    }
    return false;
  }
}
