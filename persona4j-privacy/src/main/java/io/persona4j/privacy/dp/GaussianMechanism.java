/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

import io.persona4j.privacy.RandomSource;

/**
 * The Gaussian mechanism for clipped sums: noise with standard deviation {@code noiseMultiplier *
 * clipNorm}, either added once centrally or split across clients.
 *
 * <p>{@link #distributed} gives each of {@code n} clients noise of std {@code sigma / sqrt(n)}, so
 * the sum of their noised updates (e.g. computed under secure aggregation, where the server sees
 * only the sum) carries total noise of std {@code sigma}: the same guarantee as central noise, as
 * long as all {@code n} clients survive (with dropouts the total std shrinks to {@code sigma *
 * sqrt(survivors / n)}; see {@link #totalStd(int)}).
 */
public final class GaussianMechanism {
  private final double clipNorm;
  private final double noiseMultiplier;
  private final int shares;
  private final RandomSource random;

  private GaussianMechanism(
      double clipNorm, double noiseMultiplier, int shares, RandomSource random) {
    Clipping.requireClip(clipNorm);
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (shares < 1) {
      throw new IllegalArgumentException("clients must be >= 1, got " + shares);
    }
    this.clipNorm = clipNorm;
    this.noiseMultiplier = noiseMultiplier;
    this.shares = shares;
    this.random = random;
  }

  /**
   * Central noise of std {@code noiseMultiplier * clipNorm}, from {@link RandomSource#secure()}.
   */
  public static GaussianMechanism central(double clipNorm, double noiseMultiplier) {
    return new GaussianMechanism(clipNorm, noiseMultiplier, 1, RandomSource.secure());
  }

  /** Central noise from the given source. */
  public static GaussianMechanism central(
      double clipNorm, double noiseMultiplier, RandomSource random) {
    return new GaussianMechanism(clipNorm, noiseMultiplier, 1, random);
  }

  /**
   * Per-client share of the noise for {@code clients} clients, from {@link RandomSource#secure()}.
   */
  public static GaussianMechanism distributed(
      double clipNorm, double noiseMultiplier, int clients) {
    return new GaussianMechanism(clipNorm, noiseMultiplier, clients, RandomSource.secure());
  }

  /** Per-client share of the noise from the given source. */
  public static GaussianMechanism distributed(
      double clipNorm, double noiseMultiplier, int clients, RandomSource random) {
    return new GaussianMechanism(clipNorm, noiseMultiplier, clients, random);
  }

  /** The target std of the total noise, {@code noiseMultiplier * clipNorm}. */
  public double sigma() {
    return noiseMultiplier * clipNorm;
  }

  /** The std of the noise one call to {@link #addNoise} adds: {@code sigma / sqrt(clients)}. */
  public double stdPerCall() {
    return sigma() / Math.sqrt(shares);
  }

  /** The std of the summed noise when {@code contributors} clients each added their share. */
  public double totalStd(int contributors) {
    return stdPerCall() * Math.sqrt(contributors);
  }

  /** The number of clients the noise is split across (1 for central noise). */
  public int clients() {
    return shares;
  }

  /** The noise multiplier. */
  public double noiseMultiplier() {
    return noiseMultiplier;
  }

  /** The clip norm (L2 sensitivity). */
  public double clipNorm() {
    return clipNorm;
  }

  /** Adds independent N(0, stdPerCall^2) noise to each coordinate, in place. */
  public float[] addNoise(float[] x) {
    double std = stdPerCall();
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (x[i] + std * random.nextGaussian());
    }
    return x;
  }

  /** Clips {@code update} to the clip norm and adds this mechanism's noise share (a new array). */
  public float[] clipAndNoise(float[] update) {
    return addNoise(Clipping.clipL2(update, clipNorm));
  }
}
