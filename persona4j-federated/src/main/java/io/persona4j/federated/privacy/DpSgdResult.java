/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

/**
 * What a {@link DpSgdTrainer#train} call did.
 *
 * @param steps optimizer steps taken in this call
 * @param losses each step's mean per-example loss over its sampled batch (NaN for an empty batch)
 * @param batchSizes each step's sampled batch size
 * @param clippedFraction fraction of per-example gradients that were scaled down (NaN if none)
 * @param epsilon the client's cumulative epsilon after this call (all calls on its accountant)
 * @param delta the delta of that epsilon
 * @param stopReason why training stopped before the requested steps (the budget), or null
 */
public record DpSgdResult(
    long steps,
    double[] losses,
    int[] batchSizes,
    double clippedFraction,
    double epsilon,
    double delta,
    String stopReason) {

  /** Mean of the finite step losses (NaN if none). */
  public double meanLoss() {
    double s = 0;
    int n = 0;
    for (double l : losses) {
      if (Double.isFinite(l)) {
        s += l;
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }

  /** Whether the epsilon budget stopped training early. */
  public boolean stoppedByBudget() {
    return stopReason != null;
  }
}
