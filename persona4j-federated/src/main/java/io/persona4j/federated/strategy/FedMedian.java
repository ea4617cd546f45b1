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
 * FedMedian (Yin et al., "Byzantine-Robust Distributed Learning: Towards Optimal Statistical
 * Rates", ICML 2018; Flower's {@code FedMedian}): the new global parameters are the coordinate-wise
 * median of the replies' parameters, for an even number of replies the mean of the two middle
 * values (as numpy's {@code median}). Every reply counts once, whatever example count it declares;
 * a minority of clients cannot move a coordinate beyond the range of the honest clients' values.
 */
public final class FedMedian extends GlobalAggregation {

  /** FedMedian sending {@code clientConfig} with every instruction. */
  public FedMedian(Map<String, Object> clientConfig) {
    super(clientConfig);
  }

  /** FedMedian with an empty client config. */
  public FedMedian() {
    this(Map.of());
  }

  @Override
  ParameterSet combine(List<Reply> sorted) {
    return sorted.get(0).parameters().withFlatValues(Coordinates.median(Coordinates.flat(sorted)));
  }
}
