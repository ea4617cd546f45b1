/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Global-norm gradient clipping, as PyTorch's {@code clip_grad_norm_} (L2, non-foreach).
 *
 * <p>The pieces are public so that a step whose parameters live with several parties (split
 * learning) clips exactly as one party would: each sums its {@link #squaredNorm}, one adds them up
 * and computes the {@link #scale}, each applies it with {@link #scaleGradients}.
 */
public final class GradientClipping {
  /** Added to the norm before dividing, as PyTorch does. */
  public static final double EPS = 1e-6;

  private GradientClipping() {}

  /**
   * The L2 norm of all gradients taken together: {@code sqrt(sum over parameters of ||g||^2)}, the
   * per-tensor sums in float32 and their total in double. Parameters without a gradient count as
   * zero.
   */
  public static double globalNorm(TrainableParameters params) {
    return Math.sqrt(squaredNorm(params));
  }

  /**
   * {@code sum over parameters of ||g||^2} (per-tensor sums in float32, the total in double); 0 for
   * null parameters or parameters without gradients.
   */
  public static double squaredNorm(TrainableParameters params) {
    if (params == null) {
      return 0;
    }
    double sumSquares = 0;
    try (NDManager scope = managerOf(params).newSubManager()) {
      for (String name : params.names()) {
        NDArray g = params.gradient(name, scope);
        if (g != null) {
          sumSquares += g.square().sum().getFloat();
        }
      }
    }
    return sumSquares;
  }

  /**
   * The factor clipping multiplies gradients of global norm {@code norm} by: {@code min(1, maxNorm
   * / (norm + 1e-6))}.
   */
  public static double scale(double norm, double maxNorm) {
    return Math.min(1, maxNorm / (norm + EPS));
  }

  /**
   * Multiplies every gradient of {@code params} in place by {@code scale}, outside autograd;
   * nothing for null parameters or {@code scale >= 1}.
   */
  public static void scaleGradients(TrainableParameters params, double scale) {
    if (params == null || !(scale < 1)) {
      return;
    }
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager scope = managerOf(params).newSubManager()) {
      for (String name : params.names()) {
        NDArray g = params.gradient(name, scope);
        if (g != null) {
          g.muli((float) scale);
        }
      }
    }
  }

  /**
   * Scales all gradients in place by {@code min(1, maxNorm / (norm + 1e-6))} so that their global
   * norm is at most {@code maxNorm} (up to that epsilon).
   *
   * @return the global norm before clipping (may be NaN or infinite; then gradients are left as
   *     they are so that the caller can report it)
   * @throws IllegalArgumentException if {@code maxNorm} is not positive and finite
   */
  public static double clip(TrainableParameters params, double maxNorm) {
    if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "max gradient norm must be > 0 and finite, got " + maxNorm);
    }
    double norm = globalNorm(params);
    if (!Double.isFinite(norm)) {
      return norm;
    }
    scaleGradients(params, scale(norm, maxNorm));
    return norm;
  }

  private static NDManager managerOf(TrainableParameters params) {
    return params.asMap().values().iterator().next().getManager();
  }
}
