/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.federated.Strategy;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.federated.strategy.FedProx;
import java.util.Arrays;
import java.util.Map;

/**
 * How the server aggregates the clients' adapters ({@code strategy} in {@code server.json}). Both
 * weight each client by its number of examples; privacy ({@link DpSettings}) and secure aggregation
 * ({@link SecAggSettings}) wrap whichever is chosen.
 */
public enum AggregationStrategy {
  /** FedAvg (McMahan et al. 2017): the example-weighted mean of the clients' adapters. */
  FEDAVG("fedavg"),
  /**
   * FedProx (Li et al. 2020): FedAvg's mean, with the proximal term {@code mu/2 ||w - w_global||^2}
   * added to every client's local loss.
   */
  FEDPROX("fedprox");

  private final String label;

  AggregationStrategy(String label) {
    this.label = label;
  }

  /** The name in {@code server.json}: {@code fedavg}, {@code fedprox}. */
  public String label() {
    return label;
  }

  /**
   * The strategy of a label.
   *
   * @throws IllegalArgumentException naming field {@code strategy} and the valid labels
   */
  public static AggregationStrategy fromLabel(String label) {
    return Arrays.stream(values())
        .filter(s -> s.label.equals(label))
        .findFirst()
        .orElseThrow(() -> Fields.bad("strategy", label, "must be fedavg or fedprox"));
  }

  /** The strategy object, sending {@code clientConfig} with every instruction. */
  Strategy create(double mu, Map<String, Object> clientConfig) {
    return switch (this) {
      case FEDAVG -> new FedAvg(clientConfig);
      case FEDPROX -> new FedProx(mu, clientConfig);
    };
  }
}
