/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

/**
 * What the server asks every client to contribute to one secure sum of the clustering: with the
 * public centres {@code [k][r]}, each client finds its nearest centre locally and contributes a
 * one-hot-masked vector.
 *
 * @param kind {@link Kind#COUNTS}: length {@code k}, a 1 in the slot of the client's cluster;
 *     {@link Kind#SUMS}: length {@code k * r}, the client's vector in its cluster's slot, zeros
 *     elsewhere
 * @param centres the current public centres, {@code k >= 1} rows of equal length {@code r >= 1}
 */
public record ClusterQuery(Kind kind, double[][] centres) {

  /** The two contributions. */
  public enum Kind {
    /** Per-cluster member counts. */
    COUNTS,
    /** Per-cluster vector sums. */
    SUMS
  }

  /** Validates the centres' shape. */
  public ClusterQuery {
    if (kind == null) {
      throw new IllegalArgumentException("kind must be COUNTS or SUMS, got null");
    }
    if (centres == null || centres.length < 1) {
      throw new IllegalArgumentException("centres must have >= 1 row");
    }
    int r = centres[0].length;
    if (r < 1) {
      throw new IllegalArgumentException("centres must have >= 1 column");
    }
    for (int c = 0; c < centres.length; c++) {
      if (centres[c].length != r) {
        throw new IllegalArgumentException(
            "centre " + c + " has length " + centres[c].length + ", centre 0 has " + r);
      }
    }
  }

  /** Number of clusters. */
  public int k() {
    return centres.length;
  }

  /** Dimension of the (projected) vectors. */
  public int dim() {
    return centres[0].length;
  }

  /** Length of each client's contribution. */
  public int contributionLength() {
    return kind == Kind.COUNTS ? k() : k() * dim();
  }
}
