/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import io.persona4j.privacy.encoding.FixedPoint;

/**
 * Configuration of one secure-aggregation round.
 *
 * @param clients number of clients n; client ids are 1..n
 * @param threshold Shamir threshold t: every client's secrets are shared among its neighbourhood
 *     (itself and its graph neighbours, all n clients for SecAgg) and need t of them to be rebuilt;
 *     {@code t > neighbourhood/2} so that two disjoint sets of holders can never both reconstruct
 *     (the server can never obtain both the self-mask seed and the mask key of one client)
 * @param vectorLength length of every input vector
 * @param fixedPoint encoding of inputs; its modulus is the masking modulus and it must allow n
 *     summands without wrap-around
 * @param graph who masks with and shares secrets with whom: complete for SecAgg, sparse for SecAgg+
 */
public record SecAggConfig(
    int clients, int threshold, int vectorLength, FixedPoint fixedPoint, CommunicationGraph graph) {
  /** SecAgg: the complete communication graph. */
  public SecAggConfig(int clients, int threshold, int vectorLength, FixedPoint fixedPoint) {
    this(clients, threshold, vectorLength, fixedPoint, CommunicationGraph.complete(clients));
  }

  /** Validates every field. */
  public SecAggConfig {
    if (clients < 2) {
      throw new IllegalArgumentException("clients must be >= 2, got " + clients);
    }
    if (graph == null || graph.clients() != clients) {
      throw new IllegalArgumentException(
          "graph must cover clients="
              + clients
              + ", got "
              + (graph == null ? null : graph.clients()));
    }
    int d = graph.minNeighborhood();
    if (threshold <= d / 2 || threshold > d) {
      throw new IllegalArgumentException(
          "threshold must be in (neighborhood/2, neighborhood] = ("
              + d / 2
              + ", "
              + d
              + "] (neighborhood = client and its neighbours), got "
              + threshold);
    }
    if (vectorLength < 1) {
      throw new IllegalArgumentException("vectorLength must be >= 1, got " + vectorLength);
    }
    if (fixedPoint == null) {
      throw new IllegalArgumentException("fixedPoint must not be null");
    }
    if (fixedPoint.maxSummands() < clients) {
      throw new IllegalArgumentException(
          "fixedPoint allows only "
              + fixedPoint.maxSummands()
              + " summands without wrap-around, fewer than clients="
              + clients);
    }
  }

  /** Whether {@code id} is a valid client id. */
  public boolean isClient(int id) {
    return id >= 1 && id <= clients;
  }

  /** The masking modulus. */
  public long modulus() {
    return fixedPoint.modulus();
  }
}
