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
import java.util.Set;

/**
 * Norm bounding (Sun et al., "Can You Really Backdoor Federated Learning?", 2019): before the inner
 * strategy aggregates, each update {@code Delta_i = theta_i - theta} (theta: the parameters the
 * client was sent) whose L2 norm exceeds {@code bound} is scaled to norm {@code bound}. With FedAvg
 * and weights w_i, one client then moves the result by at most {@code w_i / sum w * bound}; unlike
 * the server's {@code maxUpdateNorm}, which rejects a reply, a large honest update still counts,
 * shortened.
 *
 * <p>A decorator: round configuration, required metrics and checkpoint state are the inner
 * strategy's; weights are untouched.
 */
public final class NormBound implements Strategy {

  private final Strategy inner;
  private final double bound;

  /**
   * @param inner the strategy that aggregates the bounded replies
   * @param bound the largest update norm, finite and {@code > 0}
   */
  public NormBound(Strategy inner, double bound) {
    if (inner == null) {
      throw new IllegalArgumentException("inner strategy must not be null");
    }
    if (!(bound > 0) || Double.isInfinite(bound)) {
      throw new IllegalArgumentException("bound must be finite and > 0, got " + bound);
    }
    this.inner = inner;
    this.bound = bound;
  }

  /** {@code parameters} moved towards {@code sent} so that the update's norm is at most bound. */
  static ParameterSet bounded(ParameterSet parameters, ParameterSet sent, double bound) {
    double norm = parameters.distance(sent);
    if (norm <= bound) {
      return parameters;
    }
    float[] p = parameters.flatten();
    float[] s = sent.flatten();
    double scale = bound / norm;
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) (s[i] + ((double) p[i] - s[i]) * scale);
    }
    return parameters.withFlatValues(p);
  }

  @Override
  public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
    return inner.configureRound(round, state, sampled);
  }

  @Override
  public ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    List<Reply> out = new ArrayList<>(replies.size());
    for (Reply r : replies) {
      if (r.isError()) {
        out.add(r);
        continue;
      }
      ParameterSet p = bounded(r.parameters(), state.parametersFor(r.clientId()), bound);
      out.add(
          p == r.parameters()
              ? r
              : new Reply(r.clientId(), r.round(), p, r.numExamples(), r.metrics(), null));
    }
    return inner.aggregate(round, out, failures, state);
  }

  @Override
  public Set<String> requiredMetrics() {
    return inner.requiredMetrics();
  }

  @Override
  public String checkpointState() {
    return inner.checkpointState();
  }

  @Override
  public void restoreState(String state) {
    inner.restoreState(state);
  }
}
