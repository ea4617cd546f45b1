/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

/**
 * AdaCoSteer's switch ({@code abstract_adacosteer.py}): the cloud's uncertainty {@code 1 - max
 * softmax(z_cloud)} is observed at every token; once it has been below {@code threshold} for {@code
 * patience} consecutive tokens (the current one counted), steering is off for the rest of the
 * sequence, from that token on, and the device model is no longer run. A token whose uncertainty is
 * not below the threshold resets the count. One instance per sequence; not thread-safe.
 */
public final class AdaptiveGate {
  private final double threshold;
  private final int patience;
  private int streak;
  private boolean off;
  private int switchedOffAt = -1;
  private int observed;

  /**
   * @param threshold uncertainty below which a token counts as confident, in (0, 1] (the paper:
   *     0.1)
   * @param patience consecutive confident tokens that switch steering off, >= 1 (the paper: 3)
   */
  public AdaptiveGate(double threshold, int patience) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException(
          "AdaCoSteer threshold must be in (0, 1], got " + threshold);
    }
    if (patience < 1) {
      throw new IllegalArgumentException("AdaCoSteer patience must be >= 1, got " + patience);
    }
    this.threshold = threshold;
    this.patience = patience;
  }

  /**
   * Observes the cloud's uncertainty at the current token.
   *
   * @param uncertainty {@code 1 - max softmax(z_cloud)}, in [0, 1]
   * @return whether this token is steered
   */
  public boolean observe(double uncertainty) {
    if (Double.isNaN(uncertainty)) {
      throw new IllegalArgumentException("uncertainty is NaN");
    }
    int index = observed++;
    if (off) {
      return false;
    }
    streak = uncertainty < threshold ? streak + 1 : 0;
    if (streak >= patience) {
      off = true;
      switchedOffAt = index;
      return false;
    }
    return true;
  }

  /** Whether steering has been switched off for the rest of the sequence. */
  public boolean isOff() {
    return off;
  }

  /** The 0-based index of the token at which steering switched off, or -1. */
  public int switchedOffAt() {
    return switchedOffAt;
  }

  /** The uncertainty {@code 1 - max p} of log-probabilities. */
  public static double uncertainty(float[] logProbs) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : logProbs) {
      max = Math.max(max, v);
    }
    return 1 - Math.exp(max);
  }

  public double threshold() {
    return threshold;
  }

  public int patience() {
    return patience;
  }
}
