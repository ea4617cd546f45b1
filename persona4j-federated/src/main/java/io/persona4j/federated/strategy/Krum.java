/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Krum and multi-Krum (Blanchard et al., "Machine Learning with Adversaries: Byzantine Tolerant
 * Gradient Descent", NeurIPS 2017; Flower's {@code Krum}). With n replies of which at most f may be
 * Byzantine, each reply's score is the sum of its squared Euclidean distances to its {@code max(1,
 * n - f - 2)} nearest other replies; Krum keeps the reply with the lowest score, multi-Krum the
 * {@code m} lowest and averages them weighted by their (possibly capped, see {@link WeightCap})
 * example counts, as Flower does. Ties go to the earlier client id. The guarantee needs {@code n >=
 * 2f + 3}.
 */
public final class Krum extends GlobalAggregation {

  private final int byzantine;
  private final int keep;

  /**
   * @param byzantine f, the number of Byzantine clients tolerated, {@code >= 0}
   * @param keep m, how many replies with the lowest scores are averaged, {@code >= 1} (1: Krum)
   * @param clientConfig settings sent with every instruction
   */
  public Krum(int byzantine, int keep, Map<String, Object> clientConfig) {
    super(clientConfig);
    if (byzantine < 0) {
      throw new IllegalArgumentException("byzantine must be >= 0, got " + byzantine);
    }
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1, got " + keep);
    }
    this.byzantine = byzantine;
    this.keep = keep;
  }

  /** The replies needed for Krum's guarantee with f Byzantine clients: {@code 2f + 3}. */
  public static int minReplies(int byzantine) {
    return 2 * byzantine + 3;
  }

  /**
   * Krum's score of every row of {@code x}: the sum of its {@code max(1, n - f - 2)} smallest
   * squared distances to the other rows.
   */
  static double[] scores(float[][] x, int byzantine) {
    int n = x.length;
    double[][] d = Coordinates.squaredDistances(x);
    int closest = Math.max(1, n - byzantine - 2);
    double[] scores = new double[n];
    for (int i = 0; i < n; i++) {
      double[] others = new double[n - 1];
      int k = 0;
      for (int j = 0; j < n; j++) {
        if (j != i) {
          others[k++] = d[i][j];
        }
      }
      java.util.Arrays.sort(others);
      for (int c = 0; c < Math.min(closest, others.length); c++) {
        scores[i] += others[c];
      }
    }
    return scores;
  }

  /** The indices of the {@code m} rows with the lowest scores, in score order. */
  static int[] select(float[][] x, int byzantine, int m) {
    Integer[] order = Coordinates.order(scores(x, byzantine));
    int[] out = new int[Math.min(m, order.length)];
    for (int i = 0; i < out.length; i++) {
      out[i] = order[i];
    }
    return out;
  }

  @Override
  ParameterSet combine(List<Reply> sorted) {
    int[] chosen = select(Coordinates.flat(sorted), byzantine, keep);
    List<Reply> kept = new ArrayList<>();
    for (int i : chosen) {
      kept.add(sorted.get(i));
    }
    return FedAvg.weightedAverage(kept);
  }
}
