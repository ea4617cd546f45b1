/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FedProx (Li et al. 2020): server side identical to {@link FedAvg}; every instruction carries
 * {@value #MU_KEY} so that clients add the proximal term {@code mu/2 ||w - w_global||^2} to their
 * local loss (see {@link Proximal}).
 */
public final class FedProx implements Strategy {

  /** Config key of the proximal coefficient. */
  public static final String MU_KEY = "proximal_mu";

  private final double mu;
  private final FedAvg avg;

  /**
   * @param mu proximal coefficient, {@code >= 0} (0 is FedAvg)
   * @param clientConfig further settings sent to every client
   */
  public FedProx(double mu, Map<String, Object> clientConfig) {
    if (!(mu >= 0) || Double.isInfinite(mu)) {
      throw new IllegalArgumentException("mu must be finite and >= 0, got " + mu);
    }
    this.mu = mu;
    Map<String, Object> cfg = new HashMap<>(clientConfig);
    cfg.put(MU_KEY, mu);
    this.avg = new FedAvg(cfg);
  }

  /** FedProx with only {@code mu} in the client config. */
  public FedProx(double mu) {
    this(mu, Map.of());
  }

  /** The proximal coefficient. */
  public double mu() {
    return mu;
  }

  @Override
  public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
    return avg.configureRound(round, state, sampled);
  }

  @Override
  public ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    return avg.aggregate(round, replies, failures, state);
  }
}
