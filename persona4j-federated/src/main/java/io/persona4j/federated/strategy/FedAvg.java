/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Federated averaging (McMahan et al. 2017): every sampled client starts from the global
 * parameters; the new global parameters are the average of the replies weighted by their sample
 * counts, {@code theta = sum_i n_i theta_i / sum_i n_i}. Failed clients contribute nothing.
 */
public final class FedAvg implements Strategy {

  private final Map<String, Object> clientConfig;

  /** FedAvg with an empty client config. */
  public FedAvg() {
    this(Map.of());
  }

  /** FedAvg sending {@code clientConfig} (e.g. local epochs, learning rate) to every client. */
  public FedAvg(Map<String, Object> clientConfig) {
    this.clientConfig = Map.copyOf(clientConfig);
  }

  @Override
  public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
    List<Instruction> out = new ArrayList<>(sampled.size());
    for (String id : sampled) {
      out.add(Instruction.fit(round, id, state.global(), clientConfig));
    }
    return out;
  }

  @Override
  public ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    return new ServerState(round, weightedAverage(replies), state.personalized());
  }

  /** Sample-count-weighted average of the replies' parameters (summed in client-id order). */
  public static ParameterSet weightedAverage(List<Reply> replies) {
    if (replies.isEmpty()) {
      throw new IllegalArgumentException("no replies to average");
    }
    List<Reply> sorted = new ArrayList<>(replies);
    sorted.sort(Comparator.comparing(Reply::clientId));
    double total = 0;
    for (Reply r : sorted) {
      total += r.numExamples();
    }
    if (!(total > 0)) {
      throw new IllegalArgumentException("total sample count must be > 0, got " + total);
    }
    double[] w = new double[sorted.size()];
    List<ParameterSet> sets = new ArrayList<>(sorted.size());
    for (int i = 0; i < w.length; i++) {
      w[i] = sorted.get(i).numExamples() / total;
      sets.add(sorted.get(i).parameters());
    }
    return ParameterSet.weightedSum(sets, w);
  }
}
