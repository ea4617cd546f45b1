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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@link Strategy} decorator measuring how much aggregation moved the clients' parameters: for
 * each replying client, the L2 distance between the parameters it sent and those it starts from
 * after the aggregation. Zero for every round means the server changed nothing.
 */
public final class AggregationShift implements Strategy {
  private final Strategy inner;
  private double total;
  private long replies;
  private final List<Map<String, Double>> losses = new ArrayList<>();
  private final List<double[]> similarity = new ArrayList<>();

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
      Map<String, Double> l = new TreeMap<>();
      for (Reply r : replies) {
        Double loss = r.metrics().get(Reply.LOSS);
        if (loss != null) {
          l.put(r.clientId(), loss);
        }
      }
      losses.add(l);
      similarity.add(similarityRange(replies));
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

  /**
   * Per aggregated round, the final local training loss each replying client reported (client id to
   * loss; clients without a loss metric left out).
   */
  public synchronized List<Map<String, Double>> trainingLosses() {
    return List.copyOf(losses);
  }

  /**
   * Per aggregated round, the smallest and the largest FELLRec similarity {@code (cos + 1) / 2}
   * between two different replying clients' parameters ({NaN, NaN} with fewer than two replies):
   * how far apart the clients' adapters are, whatever the strategy does with them.
   */
  public synchronized double[][] similarityRanges() {
    return similarity.stream().map(double[]::clone).toArray(double[][]::new);
  }

  private static double[] similarityRange(List<Reply> replies) {
    double min = Double.NaN;
    double max = Double.NaN;
    double[] norms = replies.stream().mapToDouble(r -> r.parameters().l2Norm()).toArray();
    for (int i = 0; i < replies.size(); i++) {
      for (int j = i + 1; j < replies.size(); j++) {
        double denom = norms[i] * norms[j];
        double cos =
            denom == 0 ? 0 : replies.get(i).parameters().dot(replies.get(j).parameters()) / denom;
        double s = (cos + 1) / 2;
        min = Double.isNaN(min) ? s : Math.min(min, s);
        max = Double.isNaN(max) ? s : Math.max(max, s);
      }
    }
    return new double[] {min, max};
  }

  /** Mean distance per aggregated reply so far (0 before any). */
  public synchronized double meanShift() {
    return replies == 0 ? 0 : total / replies;
  }
}
