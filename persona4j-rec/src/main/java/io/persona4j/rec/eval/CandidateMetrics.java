/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.eval;

import java.util.List;
import java.util.Locale;

/**
 * Candidate-protocol metrics (LLaRA): over {@code total} examples, a prediction is valid when it
 * names exactly one candidate and correct when that candidate is the target. {@code ValidRatio =
 * valid / total}, {@code HitRatio@1 = correct / total} (invalid predictions count as misses). Not
 * thread-safe.
 */
public final class CandidateMetrics {
  /** How one prediction was judged. */
  public enum Outcome {
    /** Named no candidate or several. */
    INVALID,
    /** Named exactly one candidate, not the target. */
    WRONG,
    /** Named exactly the target. */
    CORRECT
  }

  private long total;
  private long valid;
  private long correct;

  /**
   * Judges generated text as LLaRA does: the candidates whose title occurs in {@code output} (as a
   * substring, case-sensitive) are counted; exactly one makes the prediction valid, and it is
   * correct if that one is the target.
   *
   * @param candidateTitles the titles offered in the prompt
   * @param targetIndex position of the target among them
   */
  public static Outcome judge(String output, List<String> candidateTitles, int targetIndex) {
    if (targetIndex < 0 || targetIndex >= candidateTitles.size()) {
      throw new IllegalArgumentException(
          "targetIndex must be in [0, " + candidateTitles.size() + "), got " + targetIndex);
    }
    int found = -1;
    int matches = 0;
    for (int i = 0; i < candidateTitles.size(); i++) {
      String title = candidateTitles.get(i);
      if (!title.isEmpty() && output.contains(title)) {
        matches++;
        found = i;
      }
    }
    if (matches != 1) {
      return Outcome.INVALID;
    }
    return found == targetIndex ? Outcome.CORRECT : Outcome.WRONG;
  }

  /** Adds one judged prediction. */
  public CandidateMetrics add(Outcome outcome) {
    total++;
    if (outcome != Outcome.INVALID) {
      valid++;
    }
    if (outcome == Outcome.CORRECT) {
      correct++;
    }
    return this;
  }

  /** Adds a choice made by a scoring model (always valid): correct if {@code chosen == target}. */
  public CandidateMetrics addChoice(int chosen, int target) {
    return add(chosen == target ? Outcome.CORRECT : Outcome.WRONG);
  }

  public long total() {
    return total;
  }

  public long valid() {
    return valid;
  }

  public long correct() {
    return correct;
  }

  /** valid / total (0 when empty). */
  public double validRatio() {
    return total == 0 ? 0.0 : (double) valid / total;
  }

  /** correct / total (0 when empty). */
  public double hitRatio1() {
    return total == 0 ? 0.0 : (double) correct / total;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "CandidateMetrics[total=%d, valid=%d, correct=%d, ValidRatio=%.4f, HitRatio@1=%.4f]",
        total,
        valid,
        correct,
        validRatio(),
        hitRatio1());
  }
}
