/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.federated.Strategy;
import io.persona4j.federated.strategy.Bulyan;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.federated.strategy.FedMedian;
import io.persona4j.federated.strategy.FedProx;
import io.persona4j.federated.strategy.FedTrimmedAvg;
import io.persona4j.federated.strategy.Krum;
import java.util.Arrays;
import java.util.Map;

/**
 * How the server aggregates the clients' adapters ({@code strategy} in {@code server.json}): the
 * mean (FedAvg, FedProx) or one of the robust rules Flower offers (FedMedian, FedTrimmedAvg, Krum,
 * Bulyan), whose parameters are in {@link RobustSettings}. The weighted rules (FedAvg, FedProx,
 * multi-Krum) see each client's declared example count capped ({@link RobustSettings#weighting()});
 * the others weigh every client equally. Privacy ({@link DpSettings}) and secure aggregation
 * ({@link SecAggSettings}) wrap FedAvg or FedProx only: under secure aggregation the server sees
 * only the sum of the updates, and DP-FedAvg's guarantee is for the clipped mean.
 */
public enum AggregationStrategy {
  /** FedAvg (McMahan et al. 2017): the (capped) example-weighted mean of the clients' adapters. */
  FEDAVG("fedavg", true),
  /**
   * FedProx (Li et al. 2020): FedAvg's mean, with the proximal term {@code mu/2 ||w - w_global||^2}
   * added to every client's local loss.
   */
  FEDPROX("fedprox", true),
  /** The coordinate-wise median of the clients' adapters ({@link FedMedian}). */
  FEDMEDIAN("fedmedian", false),
  /** The coordinate-wise trimmed mean ({@link FedTrimmedAvg}, {@code robust.trimFraction}). */
  FEDTRIMMEDAVG("fedtrimmedavg", false),
  /**
   * Krum, or multi-Krum with {@code robust.krumSelect} > 1 ({@link Krum}, {@code
   * robust.byzantineClients}).
   */
  KRUM("krum", true),
  /** Bulyan over Krum ({@link Bulyan}, {@code robust.byzantineClients}). */
  BULYAN("bulyan", false);

  private final String label;
  private final boolean weighted;

  AggregationStrategy(String label, boolean weighted) {
    this.label = label;
    this.weighted = weighted;
  }

  /** The name in {@code server.json}. */
  public String label() {
    return label;
  }

  /** Whether declared example counts weigh in this strategy's aggregate. */
  public boolean weighted() {
    return weighted;
  }

  /** Whether the strategy needs every client's own update (so no secure aggregation or DP). */
  public boolean robust() {
    return this != FEDAVG && this != FEDPROX;
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
        .orElseThrow(
            () ->
                Fields.bad(
                    "strategy",
                    label,
                    "must be fedavg, fedprox, fedmedian, fedtrimmedavg, krum or bulyan"));
  }

  /**
   * The bare rule (no weight cap or norm bound), sending {@code clientConfig} with every
   * instruction.
   */
  Strategy create(double mu, RobustSettings robust, Map<String, Object> clientConfig) {
    return switch (this) {
      case FEDAVG -> new FedAvg(clientConfig);
      case FEDPROX -> new FedProx(mu, clientConfig);
      case FEDMEDIAN -> new FedMedian(clientConfig);
      case FEDTRIMMEDAVG -> new FedTrimmedAvg(robust.trimFractionOrDefault(), clientConfig);
      case KRUM ->
          new Krum(robust.byzantineClientsOrDefault(), robust.krumSelectOrDefault(), clientConfig);
      case BULYAN -> new Bulyan(robust.byzantineClientsOrDefault(), clientConfig);
    };
  }
}
