/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

/**
 * Counts of a candidate-set evaluation.
 *
 * @param total cases evaluated
 * @param valid cases whose prediction names exactly one candidate (always all, for rankings)
 * @param correct cases whose prediction is the target
 */
public record RecMetrics(long total, long valid, long correct) {
  public RecMetrics {
    if (total < 0 || valid < 0 || correct < 0 || valid > total || correct > valid) {
      throw new IllegalArgumentException(
          "need 0 <= correct <= valid <= total, got correct="
              + correct
              + ", valid="
              + valid
              + ", total="
              + total);
    }
  }

  /** ValidRatio = valid / total (NaN without cases). */
  public double validRatio() {
    return total == 0 ? Double.NaN : (double) valid / total;
  }

  /**
   * HitRatio@1 = correct / total, as the iLoRA paper and METHODS define it (equal to LLaRA code's
   * checkpoint metric {@code hr * valid_ratio}).
   */
  public double hitRatio() {
    return total == 0 ? Double.NaN : (double) correct / total;
  }

  /** correct / valid: what LLaRA's code logs as {@code hr} (NaN without valid cases). */
  public double hitRatioOfValid() {
    return valid == 0 ? Double.NaN : (double) correct / valid;
  }

  /** The sums of both. */
  public RecMetrics plus(RecMetrics o) {
    return new RecMetrics(total + o.total, valid + o.valid, correct + o.correct);
  }
}
