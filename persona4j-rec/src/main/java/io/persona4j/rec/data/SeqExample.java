/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.Arrays;

/**
 * One next-item prediction example: the user's most recent items before the target, oldest first,
 * and the target. Items are dense indices (1-based). The history array is copied on the way in and
 * out; equality compares contents.
 *
 * @param user dense user index
 * @param history up to the split's history length of items before the target, chronological
 * @param target the item to predict (>= 1)
 */
public record SeqExample(int user, int[] history, int target) {
  public SeqExample {
    if (user < 0) {
      throw new IllegalArgumentException("user must be >= 0, got " + user);
    }
    if (target < 1) {
      throw new IllegalArgumentException("target must be >= 1 (0 is padding), got " + target);
    }
    history = history.clone();
    for (int item : history) {
      if (item < 1) {
        throw new IllegalArgumentException(
            "history items must be >= 1 (0 is padding), got " + Arrays.toString(history));
      }
    }
  }

  /** The history (a fresh copy). */
  @Override
  public int[] history() {
    return history.clone();
  }

  /** Number of history items. */
  public int historyLength() {
    return history.length;
  }

  /** The history item at {@code i} (0 = oldest), without copying. */
  public int historyItem(int i) {
    return history[i];
  }

  /** Whether {@code item} is in the history. */
  public boolean inHistory(int item) {
    for (int h : history) {
      if (h == item) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeqExample e
        && e.user == user
        && e.target == target
        && Arrays.equals(e.history, history);
  }

  @Override
  public int hashCode() {
    return (31 * user + target) * 31 + Arrays.hashCode(history);
  }

  @Override
  public String toString() {
    return "SeqExample[user="
        + user
        + ", history="
        + Arrays.toString(history)
        + ", target="
        + target
        + "]";
  }
}
