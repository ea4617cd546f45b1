/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Leave-one-out sequential split as in LLaRA: for every user with at least {@value
 * #MIN_INTERACTIONS} interactions and chronological sequence {@code s[0..n-1]},
 *
 * <ul>
 *   <li>test: target {@code s[n-1]};
 *   <li>valid: target {@code s[n-2]};
 *   <li>train: one example per position {@code t} with {@code 1 <= t <= n-3}, target {@code s[t]}.
 * </ul>
 *
 * Every example's history is the up-to-{@code historyLength} items just before its target, oldest
 * first. Users with fewer interactions get no examples and are counted in {@link #droppedUsers()}.
 * Examples are listed by user, then by position.
 */
public final class SequentialSplit {
  /** Users with fewer interactions than this are dropped. */
  public static final int MIN_INTERACTIONS = 3;

  /** LLaRA's history length. */
  public static final int DEFAULT_HISTORY_LENGTH = 10;

  private final InteractionDataset dataset;
  private final int historyLength;
  private final List<SeqExample> train;
  private final List<SeqExample> valid;
  private final List<SeqExample> test;
  private final int droppedUsers;

  private SequentialSplit(InteractionDataset dataset, int historyLength) {
    this.dataset = dataset;
    this.historyLength = historyLength;
    List<SeqExample> tr = new ArrayList<>();
    List<SeqExample> va = new ArrayList<>();
    List<SeqExample> te = new ArrayList<>();
    int dropped = 0;
    for (int u = 0; u < dataset.numUsers(); u++) {
      int[] s = dataset.sequence(u);
      int n = s.length;
      if (n < MIN_INTERACTIONS) {
        dropped++;
        continue;
      }
      for (int t = 1; t <= n - 3; t++) {
        tr.add(example(u, s, t));
      }
      va.add(example(u, s, n - 2));
      te.add(example(u, s, n - 1));
    }
    this.train = List.copyOf(tr);
    this.valid = List.copyOf(va);
    this.test = List.copyOf(te);
    this.droppedUsers = dropped;
  }

  /** The split with the default history length ({@value #DEFAULT_HISTORY_LENGTH}). */
  public static SequentialSplit of(InteractionDataset dataset) {
    return of(dataset, DEFAULT_HISTORY_LENGTH);
  }

  /** The split with histories of up to {@code historyLength} items (>= 1). */
  public static SequentialSplit of(InteractionDataset dataset, int historyLength) {
    if (historyLength < 1) {
      throw new IllegalArgumentException("historyLength must be >= 1, got " + historyLength);
    }
    return new SequentialSplit(dataset, historyLength);
  }

  private SeqExample example(int user, int[] s, int t) {
    return new SeqExample(user, Arrays.copyOfRange(s, Math.max(0, t - historyLength), t), s[t]);
  }

  public InteractionDataset dataset() {
    return dataset;
  }

  public int historyLength() {
    return historyLength;
  }

  public List<SeqExample> train() {
    return train;
  }

  public List<SeqExample> valid() {
    return valid;
  }

  public List<SeqExample> test() {
    return test;
  }

  /** Users with at least {@value #MIN_INTERACTIONS} interactions (one test example each). */
  public int users() {
    return test.size();
  }

  /** Users left out for having fewer than {@value #MIN_INTERACTIONS} interactions. */
  public int droppedUsers() {
    return droppedUsers;
  }

  /**
   * All of the user's items before the example's target, chronological (not cut to the history
   * length): what a full-ranking evaluation usually excludes.
   *
   * @throws IllegalArgumentException if the target is not in the user's sequence
   */
  public int[] itemsBefore(SeqExample example) {
    int[] s = dataset.sequence(example.user());
    for (int t = 0; t < s.length; t++) {
      if (s[t] == example.target()) {
        return Arrays.copyOf(s, t);
      }
    }
    throw new IllegalArgumentException(
        "target " + example.target() + " is not in the sequence of user " + example.user());
  }

  @Override
  public String toString() {
    return "SequentialSplit[users="
        + users()
        + " (dropped "
        + droppedUsers
        + " with < "
        + MIN_INTERACTIONS
        + " interactions), train="
        + train.size()
        + ", valid="
        + valid.size()
        + ", test="
        + test.size()
        + ", historyLength="
        + historyLength
        + "]";
  }
}
