/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.secfpp;

import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.federated.privacy.SecAggClientApp;
import io.persona4j.federated.privacy.SecAggRound;
import io.persona4j.privacy.cluster.ClusterQuery;
import io.persona4j.privacy.cluster.SecureAggregator;
import io.persona4j.privacy.cluster.SecureKMeans;
import io.persona4j.privacy.encoding.FixedPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Secure clustering over a {@link Grid}: each {@link ClusterQuery} of {@link SecureKMeans} becomes
 * one secure-aggregation round ({@link SecAggRound}) of {@value SecFppWire#CLUSTER}-phase FIT
 * instructions to clients running {@link SecAggClientApp} around a {@link SecFppClientApp}; the
 * server decodes only the sum. {@link #assign} then asks each client for its nearest final centre
 * (the only per-client output of the clustering).
 *
 * <p>Every client must take part in every sum (a dropout would change the counts mid-run): a round
 * with a failure throws.
 */
public final class GridClusterAggregator implements SecureAggregator {
  private final Grid grid;
  private final List<String> clients;
  private final SecAggRound protocol;
  private final Duration deadline;
  private int round;

  /**
   * @param grid transport to the clients
   * @param clients the clients to cluster (at least 2)
   * @param fixedPoint encoding; clip {@code >= 1}
   * @param firstRound round number used for the first query's instructions (then incremented)
   */
  public GridClusterAggregator(
      Grid grid, List<String> clients, FixedPoint fixedPoint, Duration deadline, int firstRound) {
    if (clients.size() < 2) {
      throw new IllegalArgumentException("clustering needs >= 2 clients, got " + clients.size());
    }
    this.grid = grid;
    this.clients = List.copyOf(clients);
    this.protocol = new SecAggRound(grid, fixedPoint, 1.0);
    this.deadline = deadline;
    this.round = firstRound;
  }

  @Override
  public int clients() {
    return clients.size();
  }

  @Override
  public double[] aggregate(ClusterQuery query) {
    ParameterSet params = SecFppWire.query(query);
    List<Instruction> fit = new ArrayList<>();
    int r = round++;
    for (String c : clients) {
      Map<String, Object> cfg = new TreeMap<>();
      cfg.put(SecFppWire.PHASE, SecFppWire.CLUSTER);
      cfg.put(SecFppWire.QUERY_KIND, query.kind().name());
      fit.add(Instruction.fit(r, c, params, cfg));
    }
    SecAggRound.Outcome out = protocol.run(fit, deadline);
    if (out.sum() == null || out.included().size() != clients.size()) {
      throw new IllegalStateException(
          "secure clustering sum in round " + r + " lost clients: " + out.failures());
    }
    int offset = query.k() * query.dim(); // the centres' part of the update is zero
    double[] s = new double[query.contributionLength()];
    System.arraycopy(out.sum(), offset, s, 0, s.length);
    return s;
  }

  /** Each client's nearest centre among {@code centres} (EVALUATE, phase assign). */
  public Map<String, Integer> assign(double[][] centres) {
    ParameterSet params = SecFppWire.query(new ClusterQuery(ClusterQuery.Kind.COUNTS, centres));
    List<Instruction> ev = new ArrayList<>();
    int r = round++;
    for (String c : clients) {
      ev.add(
          new Instruction(
              Instruction.Task.EVALUATE,
              r,
              c,
              params,
              Map.of(SecFppWire.PHASE, SecFppWire.ASSIGN)));
    }
    RoundResult res = grid.send(ev, deadline);
    if (!res.failures().isEmpty()) {
      throw new IllegalStateException("cluster assignment failed: " + res.failures());
    }
    Map<String, Integer> out = new TreeMap<>();
    for (Reply rep : res.replies()) {
      out.put(rep.clientId(), (int) Math.round(rep.metrics().get(SecFppWire.CLUSTER_METRIC)));
    }
    return out;
  }

  /** The next unused round number. */
  public int nextRound() {
    return round;
  }
}
