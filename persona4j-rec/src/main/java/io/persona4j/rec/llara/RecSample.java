/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * One next-item prediction case of a user: the items seen before (oldest first), the candidate set
 * shown to the model (the target among them) and the item that came next. Items are dense indices
 * {@code 1..N}; 0 is never an item (it pads item sequences elsewhere).
 *
 * @param user the user's dense index (>= 0), for side information such as a gate input
 * @param history items seen, oldest first; at least one
 * @param candidates distinct items, in the order the prompt lists them; holds {@code target}
 * @param target the item that came next
 */
public record RecSample(int user, int[] history, int[] candidates, int target) {
  public RecSample {
    if (user < 0) {
      throw new IllegalArgumentException("user must be >= 0, got " + user);
    }
    if (history == null || history.length == 0) {
      throw new IllegalArgumentException("user " + user + ": history must hold at least one item");
    }
    if (candidates == null || candidates.length == 0) {
      throw new IllegalArgumentException("user " + user + ": no candidates");
    }
    history = history.clone();
    candidates = candidates.clone();
    for (int item : history) {
      checkItem(user, "history", item);
    }
    Set<Integer> seen = new HashSet<>();
    boolean hasTarget = false;
    for (int item : candidates) {
      checkItem(user, "candidates", item);
      if (!seen.add(item)) {
        throw new IllegalArgumentException(
            "user " + user + ": candidate item " + item + " is listed twice");
      }
      hasTarget |= item == target;
    }
    if (!hasTarget) {
      throw new IllegalArgumentException(
          "user "
              + user
              + ": target item "
              + target
              + " is not among the candidates "
              + Arrays.toString(candidates));
    }
  }

  private static void checkItem(int user, String field, int item) {
    if (item < 1) {
      throw new IllegalArgumentException(
          "user " + user + ": " + field + " holds item " + item + "; items are numbered from 1");
    }
  }

  @Override
  public int[] history() {
    return history.clone();
  }

  @Override
  public int[] candidates() {
    return candidates.clone();
  }

  /** Position of the target in {@link #candidates()}. */
  public int targetIndex() {
    for (int i = 0; i < candidates.length; i++) {
      if (candidates[i] == target) {
        return i;
      }
    }
    throw new IllegalStateException("unreachable: the constructor checks the target");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecSample s
        && user == s.user
        && target == s.target
        && Arrays.equals(history, s.history)
        && Arrays.equals(candidates, s.candidates);
  }

  @Override
  public int hashCode() {
    return ((user * 31 + target) * 31 + Arrays.hashCode(history)) * 31
        + Arrays.hashCode(candidates);
  }

  @Override
  public String toString() {
    return "RecSample[user="
        + user
        + ", history="
        + Arrays.toString(history)
        + ", candidates="
        + Arrays.toString(candidates)
        + ", target="
        + target
        + "]";
  }
}
