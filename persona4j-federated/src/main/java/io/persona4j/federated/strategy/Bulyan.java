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
 * Bulyan (El Mhamdi et al., "The Hidden Vulnerability of Distributed Learning in Byzantium", ICML
 * 2018; Flower's {@code Bulyan} with its default Krum rule). With n replies and at most f
 * Byzantine: {@code theta = n - 2f} replies are selected one by one, each time the Krum choice
 * among those not yet selected (scores over the remaining ones, {@link Krum#scores}); then, for
 * each coordinate, the {@code beta = theta - 2f} selected values closest to the selected replies'
 * coordinate-wise median are averaged. Every reply counts once. Needs {@code n >= 4f + 3}.
 */
public final class Bulyan extends GlobalAggregation {

  private final int byzantine;

  /**
   * @param byzantine f, the number of Byzantine clients tolerated, {@code >= 0}
   * @param clientConfig settings sent with every instruction
   */
  public Bulyan(int byzantine, Map<String, Object> clientConfig) {
    super(clientConfig);
    if (byzantine < 0) {
      throw new IllegalArgumentException("byzantine must be >= 0, got " + byzantine);
    }
    this.byzantine = byzantine;
  }

  /** The replies Bulyan needs with f Byzantine clients: {@code 4f + 3}. */
  public static int minReplies(int byzantine) {
    return 4 * byzantine + 3;
  }

  @Override
  ParameterSet combine(List<Reply> sorted) {
    int n = sorted.size();
    if (n < minReplies(byzantine)) {
      throw new IllegalArgumentException(
          "Bulyan with "
              + byzantine
              + " Byzantine clients needs at least "
              + minReplies(byzantine)
              + " replies (4f + 3), got "
              + n);
    }
    float[][] x = Coordinates.flat(sorted);
    int theta = n - 2 * byzantine;
    int beta = theta - 2 * byzantine;
    List<float[]> remaining = new ArrayList<>(List.of(x));
    float[][] selected = new float[theta][];
    for (int s = 0; s < theta; s++) {
      int best = Krum.select(remaining.toArray(float[][]::new), byzantine, 1)[0];
      selected[s] = remaining.remove(best);
    }
    float[] median = Coordinates.median(selected);
    int d = median.length;
    float[] out = new float[d];
    double[] distance = new double[theta];
    for (int j = 0; j < d; j++) {
      for (int i = 0; i < theta; i++) {
        distance[i] = Math.abs((double) selected[i][j] - median[j]);
      }
      Integer[] order = Coordinates.order(distance);
      double sum = 0;
      for (int k = 0; k < beta; k++) {
        sum += selected[order[k]][j];
      }
      out[j] = (float) (sum / beta);
    }
    return sorted.get(0).parameters().withFlatValues(out);
  }
}
