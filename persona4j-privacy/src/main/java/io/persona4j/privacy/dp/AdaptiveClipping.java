/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

import io.persona4j.privacy.RandomSource;

/**
 * Adaptive clipping to a target quantile of update norms (Andrew, Thakkar, McMahan, Ramaswamy,
 * "Differentially Private Learning with Adaptive Clipping", NeurIPS 2021, Algorithm 1 with the
 * geometric update).
 *
 * <p>Each round, every participating client reports the bit {@code b_i = 1[||x_i|| <= C]}. The
 * server forms the noised fraction {@code b = (sum b_i + N(0, sigma_b^2)) / m} and updates {@code C
 * <- C * exp(-eta * (b - gamma))}: the clip grows when fewer than a fraction {@code gamma} of the
 * updates fit. Because the bits consume privacy too, the update noise multiplier must be raised to
 * {@link #updateNoiseMultiplier(double, double)} so that the pair composes to the target multiplier
 * z.
 */
public final class AdaptiveClipping {
  private final double targetQuantile;
  private final double learningRate;
  private final double countNoiseStd;
  private final RandomSource random;
  private double clip;

  /**
   * @param initialClip initial clip norm C, > 0
   * @param targetQuantile target fraction gamma of unclipped updates, in (0, 1)
   * @param learningRate geometric learning rate eta, > 0 (0.2 in the paper)
   * @param countNoiseStd std sigma_b of the Gaussian noise on the count of unclipped updates, >= 0
   * @param random noise source ({@link RandomSource#secure()} in production)
   */
  public AdaptiveClipping(
      double initialClip,
      double targetQuantile,
      double learningRate,
      double countNoiseStd,
      RandomSource random) {
    Clipping.requireClip(initialClip);
    if (!(targetQuantile > 0 && targetQuantile < 1)) {
      throw new IllegalArgumentException("targetQuantile must be in (0, 1), got " + targetQuantile);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "learningRate must be finite and > 0, got " + learningRate);
    }
    if (!(countNoiseStd >= 0) || Double.isInfinite(countNoiseStd)) {
      throw new IllegalArgumentException(
          "countNoiseStd must be finite and >= 0, got " + countNoiseStd);
    }
    this.clip = initialClip;
    this.targetQuantile = targetQuantile;
    this.learningRate = learningRate;
    this.countNoiseStd = countNoiseStd;
    this.random = random;
  }

  /** The current clip norm. */
  public double clip() {
    return clip;
  }

  /** Sets the clip norm, e.g. to the value saved in a checkpoint when a run resumes. */
  public void restoreClip(double clipNorm) {
    Clipping.requireClip(clipNorm);
    this.clip = clipNorm;
  }

  /** The client-side bit: whether the update fits within the current clip. */
  public boolean withinClip(float[] update) {
    return Clipping.l2Norm(update) <= clip;
  }

  /**
   * Applies one round's geometric update from the count of unclipped updates among {@code clients}.
   *
   * @return the new clip norm
   */
  public double update(int unclippedCount, int clients) {
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be >= 1, got " + clients);
    }
    if (unclippedCount < 0 || unclippedCount > clients) {
      throw new IllegalArgumentException(
          "unclippedCount must be in [0, clients=" + clients + "], got " + unclippedCount);
    }
    double noisy = unclippedCount + countNoiseStd * random.nextGaussian();
    double fraction = noisy / clients;
    clip = clip * Math.exp(-learningRate * (fraction - targetQuantile));
    return clip;
  }

  /**
   * The noise multiplier for the update sum so that it and the count query together match a target
   * multiplier z: {@code (z^-2 - (2 sigma_b)^-2)^(-1/2)} (Andrew et al. 2021, Theorem 1).
   *
   * @throws IllegalArgumentException if {@code sigma_b <= z / 2} (the count alone exceeds the
   *     budget)
   */
  public static double updateNoiseMultiplier(double z, double countNoiseStd) {
    double rest = 1 / (z * z) - 1 / (4 * countNoiseStd * countNoiseStd);
    if (!(z > 0) || !(rest > 0)) {
      throw new IllegalArgumentException(
          "countNoiseStd=" + countNoiseStd + " must exceed z/2 for z=" + z);
    }
    return 1 / Math.sqrt(rest);
  }
}
