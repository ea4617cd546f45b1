/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

/**
 * Client-side helpers for the FedProx proximal term {@code mu/2 ||w - anchor||^2}, where {@code
 * anchor} is the global parameters received at the start of the round.
 */
public final class Proximal {

  private Proximal() {}

  /** The proximal term {@code mu/2 * sum_i (w_i - anchor_i)^2}. */
  public static double term(float[] w, float[] anchor, double mu) {
    check(w, anchor);
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      double d = (double) w[i] - anchor[i];
      sum += d * d;
    }
    return 0.5 * mu * sum;
  }

  /** Adds the proximal gradient {@code mu (w - anchor)} to {@code grad} in place. */
  public static void addGradient(float[] grad, float[] w, float[] anchor, double mu) {
    check(w, anchor);
    if (grad.length != w.length) {
      throw new IllegalArgumentException("grad length " + grad.length + " != " + w.length);
    }
    for (int i = 0; i < w.length; i++) {
      grad[i] += (float) (mu * ((double) w[i] - anchor[i]));
    }
  }

  private static void check(float[] w, float[] anchor) {
    if (w.length != anchor.length) {
      throw new IllegalArgumentException(
          "w length " + w.length + " != anchor length " + anchor.length);
    }
  }
}
