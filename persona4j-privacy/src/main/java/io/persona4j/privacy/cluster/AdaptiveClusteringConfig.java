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
 * {@code W(k)} is at most {@code (1 - minGain) * W(k - 1)}. The largest accepted {@code k} is
 * chosen ({@code 1} if none is). On homogeneous data an extra cluster lowers W by far less than the
 * default 35%; at a planted split it lowers W by 40-90% (see SecureKMeansTest).
 *
 * @param maxK largest number of clusters tried, {@code >= 1}
 * @param minClusterSize smallest cluster allowed, {@code >= 2} (so no sum the server learns is one
 *     client's vector)
 * @param minGain relative reduction of W required per extra cluster, in (0, 1)
 * @param restarts initializations tried per k (best W kept), {@code >= 1}
 * @param maxIterations Lloyd iterations per restart, {@code >= 1}
 * @param seed seed of the initializations (public: centres are drawn from it and aggregates)
 */
public record AdaptiveClusteringConfig(
    int maxK, int minClusterSize, double minGain, int restarts, int maxIterations, long seed) {

  /** Validates every field, naming it and its value. */
  public AdaptiveClusteringConfig {
    if (maxK < 1) {
      throw new IllegalArgumentException("maxK must be >= 1, got " + maxK);
    }
    if (minClusterSize < 2) {
      throw new IllegalArgumentException("minClusterSize must be >= 2, got " + minClusterSize);
    }
    if (!(minGain > 0 && minGain < 1)) {
      throw new IllegalArgumentException("minGain must be in (0, 1), got " + minGain);
    }
    if (restarts < 1) {
      throw new IllegalArgumentException("restarts must be >= 1, got " + restarts);
    }
    if (maxIterations < 1) {
      throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
    }
  }

  /** maxK 6, clusters of >= 2, 35% gain, 8 restarts, 20 iterations. */
  public static AdaptiveClusteringConfig defaults(long seed) {
    return new AdaptiveClusteringConfig(6, 2, 0.35, 8, 20, seed);
  }
}
