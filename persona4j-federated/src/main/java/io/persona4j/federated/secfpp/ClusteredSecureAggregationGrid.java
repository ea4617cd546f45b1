/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.secfpp;

import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.federated.privacy.SecAggClientApp;
import io.persona4j.federated.privacy.SecAggRound;
import io.persona4j.privacy.encoding.FixedPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link Grid} decorator that runs one secure-aggregation round ({@link SecAggRound}) per
 * cluster: FIT instructions are grouped by their {@value SecFppWire#CLUSTER_ID} config, each group
 * (which shares one starting P_G) is summed under SecAgg over the wrapped grid (clients run {@link
 * SecAggClientApp}), and every included client is reported as replying with its cluster's mean
 * {@code start + sum / included}. The server side thus holds only masked vectors and per-cluster
 * sums. A cluster with a single sampled client cannot be aggregated securely; its client is a
 * failure. EVALUATE sends pass through.
 */
public final class ClusteredSecureAggregationGrid implements Grid {
  private final Grid inner;
  private final SecAggRound protocol;

  /**
   * @param inner transport to clients running {@link SecAggClientApp}
   * @param fixedPoint encoding of the P_G updates
   * @param thresholdFraction Shamir threshold as a fraction of a cluster's clients
   */
  public ClusteredSecureAggregationGrid(
      Grid inner, FixedPoint fixedPoint, double thresholdFraction) {
    this.inner = inner;
    this.protocol = new SecAggRound(inner, fixedPoint, thresholdFraction);
  }

  @Override
  public List<String> clients() {
    return inner.clients();
  }

  @Override
  public RoundResult send(List<Instruction> instructions, Duration deadline) {
    if (instructions.stream().noneMatch(i -> i.task() == Instruction.Task.FIT)) {
      return inner.send(instructions, deadline);
    }
    Map<String, List<Instruction>> byCluster = new TreeMap<>();
    for (Instruction in : instructions) {
      if (in.task() != Instruction.Task.FIT) {
        throw new IllegalArgumentException("a send must not mix FIT and EVALUATE instructions");
      }
      Object c = in.config().get(SecFppWire.CLUSTER_ID);
      if (c == null) {
        throw new IllegalArgumentException(
            "instruction for '" + in.clientId() + "' has no " + SecFppWire.CLUSTER_ID);
      }
      byCluster.computeIfAbsent(c.toString(), k -> new ArrayList<>()).add(in);
    }
    List<Reply> replies = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    List<ClientStats> stats = new ArrayList<>();
    for (Map.Entry<String, List<Instruction>> e : byCluster.entrySet()) {
      List<Instruction> group = e.getValue();
      if (group.size() < 2) {
        failures.add(
            new Failure(
                group.get(0).clientId(),
                Failure.Kind.INVALID_REPLY,
                "cluster " + e.getKey() + " has one sampled client: no secure sum possible"));
        continue;
      }
      SecAggRound.Outcome out = protocol.run(group, deadline);
      failures.addAll(out.failures());
      stats.addAll(out.stats());
      replies.addAll(out.meanReplies(group.get(0)));
    }
    return new RoundResult(replies, failures, stats);
  }
}
