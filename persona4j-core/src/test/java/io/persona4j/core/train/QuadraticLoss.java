/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;

/**
 * {@code L(p) = 0.5 * sum(p^2) + sum(c * p)}, whose gradient {@code p + c} changes from step to
 * step: a loss whose gradients the optimizer tests can compute by hand.
 */
final class QuadraticLoss {
  private QuadraticLoss() {}

  /** Runs a backward pass of L for {@code p} (accumulating into its gradient). */
  static void backward(NDArray p, float[] c) {
    try (GradientCollector gc = Autograd.collector()) {
      NDArray cs = p.getManager().create(c, p.getShape());
      // 0.5 as an array that outlives backward, not mul(0.5f) (see AutogradMemorySafetyTest)
      NDArray half = p.getManager().create(0.5f);
      NDArray loss = p.square().sum().mul(half).add(p.mul(cs).sum());
      gc.backward(loss);
    }
  }

  /** The gradient {@code p + c} in double. */
  static double[] gradient(double[] p, float[] c) {
    double[] g = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      g[i] = p[i] + c[i];
    }
    return g;
  }

  static double[] toDouble(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }
}
