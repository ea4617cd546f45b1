/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

/**
 * The secure-sum oracle the clustering server uses: asks every participating client for its
 * contribution to {@code query} ({@link ClusterClient#contribution}) and returns only their sum,
 * computed under secure aggregation so that no single contribution is revealed.
 */
public interface SecureAggregator {

  /** Number of clients taking part. */
  int clients();

  /**
   * The decoded sum of all clients' contributions to {@code query}, of length {@link
   * ClusterQuery#contributionLength()}.
   */
  double[] aggregate(ClusterQuery query);
}
