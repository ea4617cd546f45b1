/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An example with its candidate set: the target and sampled negatives in random order.
 *
 * @param example the example
 * @param candidates the candidate items (dense, 1-based), containing the target exactly once
 */
public record CandidateExample(SeqExample example, int[] candidates) {
  public CandidateExample {
    Objects.requireNonNull(example, "example");
    candidates = candidates.clone();
    int hits = 0;
    for (int c : candidates) {
      hits += c == example.target() ? 1 : 0;
    }
    if (hits != 1) {
      throw new IllegalArgumentException(
          "candidates must contain the target "
              + example.target()
              + " exactly once, got "
              + Arrays.toString(candidates));
    }
  }

  /** The candidates (a fresh copy). */
  @Override
  public int[] candidates() {
    return candidates.clone();
  }

  public int numCandidates() {
    return candidates.length;
  }

  /** The candidate at {@code i}, without copying. */
  public int candidate(int i) {
    return candidates[i];
  }

  /** Position of the target among the candidates. */
  public int targetIndex() {
    for (int i = 0; i < candidates.length; i++) {
      if (candidates[i] == example.target()) {
        return i;
      }
    }
    throw new AssertionError("checked in the constructor");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CandidateExample e
        && e.example.equals(example)
        && Arrays.equals(e.candidates, candidates);
  }

  @Override
  public int hashCode() {
    return example.hashCode() * 31 + Arrays.hashCode(candidates);
  }

  @Override
  public String toString() {
    return "CandidateExample[" + example + ", candidates=" + Arrays.toString(candidates) + "]";
  }
}
