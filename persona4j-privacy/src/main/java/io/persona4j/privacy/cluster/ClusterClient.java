/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

/**
 * The client side of secure clustering: holds the client's private reduced vector {@code z} (never
 * sent), computes its distances to the public centres locally, and answers each {@link
 * ClusterQuery} with a one-hot-masked contribution that only ever travels inside a secure sum.
 */
public final class ClusterClient {
  private final double[] z;

  /**
   * @param z the client's reduced, unit-norm vector (e.g. {@link
   *     RandomProjection#projectNormalized}); every coordinate must lie in [-1, 1]
   */
  public ClusterClient(double[] z) {
    for (int i = 0; i < z.length; i++) {
      if (!(Math.abs(z[i]) <= 1)) {
        throw new IllegalArgumentException("z[" + i + "] = " + z[i] + " is outside [-1, 1]");
      }
    }
    this.z = z.clone();
  }

  /** The dimension of the client's vector. */
  public int dim() {
    return z.length;
  }

  /** Index of the nearest centre (squared Euclidean distance; ties go to the lower index). */
  public int nearest(double[][] centres) {
    return nearest(z, centres);
  }

  /** Index of the centre nearest to {@code x} (ties: lowest index). */
  public static int nearest(double[] x, double[][] centres) {
    int best = 0;
    double bestD = Double.POSITIVE_INFINITY;
    for (int c = 0; c < centres.length; c++) {
      double d = 0;
      for (int i = 0; i < x.length; i++) {
        double e = x[i] - centres[c][i];
        d += e * e;
      }
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  }

  /** This client's contribution to the secure sum of {@code q}. */
  public float[] contribution(ClusterQuery q) {
    if (q.dim() != z.length) {
      throw new IllegalArgumentException(
          "query centres have dimension " + q.dim() + ", the client's vector " + z.length);
    }
    int c = nearest(q.centres());
    float[] out = new float[q.contributionLength()];
    if (q.kind() == ClusterQuery.Kind.COUNTS) {
      out[c] = 1f;
    } else {
      for (int i = 0; i < z.length; i++) {
        out[c * z.length + i] = (float) z[i];
      }
    }
    return out;
  }
}
