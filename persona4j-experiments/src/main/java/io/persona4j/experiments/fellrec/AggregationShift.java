/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link Strategy} decorator measuring how much aggregation moved the clients' parameters: for
 * each replying client, the L2 distance between the parameters it sent and those it starts from
 * after the aggregation. Zero for every round means the server changed nothing.
 */
public final class AggregationShift implements Strategy {
  private final Strategy inner;
  private double total;
  private long replies;

  /** Measures {@code inner}. */
  public AggregationShift(Strategy inner) {
    this.inner = Objects.requireNonNull(inner, "inner");
  }

  @Override
  public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
    return inner.configureRound(round, state, sampled);
  }

  @Override
  public ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    ServerState next = inner.aggregate(round, replies, failures, state);
    synchronized (this) {
      for (Reply r : replies) {
        total += r.parameters().distance(next.parametersFor(r.clientId()));
        this.replies++;
      }
    }
    return next;
  }

  @Override
  public Set<String> requiredMetrics() {
    return inner.requiredMetrics();
  }

  /** Mean distance per aggregated reply so far (0 before any). */
  public synchronized double meanShift() {
    return replies == 0 ? 0 : total / replies;
  }
}
