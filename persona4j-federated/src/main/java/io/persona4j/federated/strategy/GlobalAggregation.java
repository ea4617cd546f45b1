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
import java.util.List;
import java.util.Map;

/**
 * A global strategy that sends every sampled client the global parameters (as {@link FedAvg} does)
 * and combines the replies with one rule: the shared half of the robust strategies.
 */
abstract class GlobalAggregation implements Strategy {

  private final Map<String, Object> clientConfig;

  GlobalAggregation(Map<String, Object> clientConfig) {
    this.clientConfig = Map.copyOf(clientConfig);
  }

  @Override
  public final List<Instruction> configureRound(
      int round, ServerState state, List<String> sampled) {
    List<Instruction> out = new ArrayList<>(sampled.size());
    for (String id : sampled) {
      out.add(Instruction.fit(round, id, state.global(), clientConfig));
    }
    return out;
  }

  @Override
  public final ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    return new ServerState(round, combine(Coordinates.sorted(replies)), state.personalized());
  }

  /** The new global parameters from the replies, sorted by client id (at least one). */
  abstract ParameterSet combine(List<Reply> sorted);
}
