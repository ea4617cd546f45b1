/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

/**
 * Settings of {@link SecureKMeans}'s adaptive choice of the number of clusters.
 *
 * <p>Criterion: every {@code k} from 2 to {@code min(maxK, n / minClusterSize)} is tried; {@code k}
 * is accepted when some restart of secure k-means with {@code k} centres keeps every cluster at
 * {@code >= minClusterSize} clients in every iteration and its best within-cluster sum of squares
 * gains more over {@code k - 1} than k-means gains on data without clusters: {@code W(k) / W(k - 1)
 * <= mean - zScore * std}, where mean and std are those of the same ratio on {@code referenceSets}
 * reference sets of {@code n} points from one Gaussian in {@code r - 1} dimensions ({@link
 * ReferenceRatios}, computed by the server from public numbers). The largest accepted {@code k} is
 * chosen ({@code 1} if none is).
 *
 * <p>This replaced a fixed threshold ({@code W(k) <= 0.65 W(k - 1)}), which is blind to the
 * projection dimension r and the number of clients n: on structureless unit vectors k-means gains
 * about 50% per extra cluster at r = 2 (the fixed rule then chose k = 4 on noise) and 5-20% at r =
 * 32-64 (where a real split into two groups gains 25-30% and the fixed rule missed it); see {@code
 * SecureKMeansTest}.
 *
 * @param maxK largest number of clusters tried, {@code >= 1}
 * @param minClusterSize smallest cluster allowed, {@code >= 2} (so no sum the server learns is one
 *     client's vector)
 * @param zScore how many reference standard deviations below the reference mean ratio {@code W(k) /
 *     W(k - 1)} must lie, {@code > 0}
 * @param referenceSets reference data sets per run, {@code >= 2}
 * @param restarts initializations tried per k (best W kept), {@code >= 1}
 * @param maxIterations Lloyd iterations per restart, {@code >= 1}
 * @param seed seed of the initializations and the reference sets (public: centres are drawn from it
 *     and aggregates)
 */
public record AdaptiveClusteringConfig(
    int maxK,
    int minClusterSize,
    double zScore,
    int referenceSets,
    int restarts,
    int maxIterations,
    long seed) {

  /** Validates every field, naming it and its value. */
  public AdaptiveClusteringConfig {
    if (maxK < 1) {
      throw new IllegalArgumentException("maxK must be >= 1, got " + maxK);
    }
    if (minClusterSize < 2) {
      throw new IllegalArgumentException("minClusterSize must be >= 2, got " + minClusterSize);
    }
    if (!(zScore > 0) || !Double.isFinite(zScore)) {
      throw new IllegalArgumentException("zScore must be > 0, got " + zScore);
    }
    if (referenceSets < 2) {
      throw new IllegalArgumentException("referenceSets must be >= 2, got " + referenceSets);
    }
    if (restarts < 1) {
      throw new IllegalArgumentException("restarts must be >= 1, got " + restarts);
    }
    if (maxIterations < 1) {
      throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
    }
  }

  /** Default z-score of the criterion (3 reference standard deviations). */
  public static final double DEFAULT_Z = 3.0;

  /** Default number of reference sets. */
  public static final int DEFAULT_REFERENCE_SETS = 40;

  /**
   * The default criterion ({@value #DEFAULT_Z} standard deviations, {@value
   * #DEFAULT_REFERENCE_SETS} reference sets) with the given search sizes.
   */
  public static AdaptiveClusteringConfig of(
      int maxK, int minClusterSize, int restarts, int maxIterations, long seed) {
    return new AdaptiveClusteringConfig(
        maxK, minClusterSize, DEFAULT_Z, DEFAULT_REFERENCE_SETS, restarts, maxIterations, seed);
  }

  /** maxK 6, clusters of >= 2, the default criterion, 8 restarts, 20 iterations. */
  public static AdaptiveClusteringConfig defaults(long seed) {
    return of(6, 2, 8, 20, seed);
  }
}
