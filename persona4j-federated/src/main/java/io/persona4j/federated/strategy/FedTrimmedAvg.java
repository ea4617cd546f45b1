/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.List;
import java.util.Map;

/**
 * FedTrimmedAvg (Yin et al., ICML 2018; Flower's {@code FedTrimmedAvg}): for each coordinate, the
 * {@code floor(beta * n)} smallest and as many largest of the n replies' values are dropped and the
 * rest averaged (Flower's {@code _trim_mean}, scipy's {@code trim_mean}). Every reply counts once,
 * whatever example count it declares.
 */
public final class FedTrimmedAvg extends GlobalAggregation {

  private final double beta;

  /**
   * @param beta fraction cut from each end, in {@code [0, 0.5)} (Flower's default 0.2)
   * @param clientConfig settings sent with every instruction
   */
  public FedTrimmedAvg(double beta, Map<String, Object> clientConfig) {
    super(clientConfig);
    if (!(beta >= 0 && beta < 0.5)) {
      throw new IllegalArgumentException("beta must be in [0, 0.5), got " + beta);
    }
    this.beta = beta;
  }

  /** The fraction cut from each end. */
  public double beta() {
    return beta;
  }

  /** Values cut from each end of a coordinate with {@code n} replies: {@code floor(beta * n)}. */
  public int cut(int n) {
    return (int) (beta * n);
  }

  @Override
  ParameterSet combine(List<Reply> sorted) {
    float[][] x = Coordinates.flat(sorted);
    return sorted.get(0).parameters().withFlatValues(Coordinates.trimmedMean(x, cut(x.length)));
  }
}
