/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import java.util.List;

/**
 * Whether clustering vectors carry known domains: the mean cosine similarity over pairs of clients
 * of the same domain against the mean over pairs of different domains. A signal that carries the
 * domain has the first clearly above the second; unrelated directions have both near 0.
 */
final class DomainCosines {
  private DomainCosines() {}

  /**
   * @param vectors one vector per client (any scale)
   * @param domains each client's known domain
   * @return {within-domain mean cosine, between-domain mean cosine} (NaN where no pair exists)
   */
  static double[] of(List<double[]> vectors, List<Integer> domains) {
    if (vectors.size() != domains.size()) {
      throw new IllegalArgumentException(
          vectors.size() + " vectors for " + domains.size() + " domains");
    }
    double within = 0;
    double between = 0;
    int nw = 0;
    int nb = 0;
    for (int i = 0; i < vectors.size(); i++) {
      for (int j = i + 1; j < vectors.size(); j++) {
        double c = cosine(vectors.get(i), vectors.get(j));
        if (domains.get(i).equals(domains.get(j))) {
          within += c;
          nw++;
        } else {
          between += c;
          nb++;
        }
      }
    }
    return new double[] {nw == 0 ? Double.NaN : within / nw, nb == 0 ? Double.NaN : between / nb};
  }

  static double cosine(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double d = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      d += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return d / Math.sqrt(na * nb);
  }
}
