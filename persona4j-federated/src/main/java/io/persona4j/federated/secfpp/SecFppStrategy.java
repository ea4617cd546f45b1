/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.secfpp;

import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * SecFPP's server strategy: one P_G per cluster, kept as every member's personalized parameters in
 * {@link ServerState#personalized()}. Each round a sampled client receives its cluster's P_G with
 * its cluster id ({@value SecFppWire#CLUSTER_ID}); the new P_G of a cluster is the equal-weight
 * mean of its members' replies, given to every member of the cluster (sampled or not).
 *
 * <p>Run it over {@link ClusteredSecureAggregationGrid}: then each reply already is the securely
 * aggregated cluster mean and the strategy never sees an individual P_G. Over a plain grid it
 * computes the same per-cluster means in the clear (the non-private reference). With all clients in
 * one cluster it is FedAvg of P_G; with every client in its own cluster, local training.
 */
public final class SecFppStrategy implements Strategy {
  private final Map<String, Integer> clusterOf;
  private final Map<String, Object> clientConfig;

  /**
   * @param clusterOf the cluster of every client (the final assignment of the secure clustering)
   * @param clientConfig extra config for every training instruction (e.g. nothing)
   */
  public SecFppStrategy(Map<String, Integer> clusterOf, Map<String, Object> clientConfig) {
    if (clusterOf.isEmpty()) {
      throw new IllegalArgumentException("clusterOf must assign at least one client");
    }
    this.clusterOf = Map.copyOf(clusterOf);
    this.clientConfig = Map.copyOf(clientConfig);
  }

  /** The cluster of {@code client}. */
  public int clusterOf(String client) {
    Integer c = clusterOf.get(client);
    if (c == null) {
      throw new IllegalArgumentException("client '" + client + "' has no cluster");
    }
    return c;
  }

  @Override
  public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
    List<Instruction> out = new ArrayList<>(sampled.size());
    for (String id : sampled) {
      Map<String, Object> c = new TreeMap<>(clientConfig);
      c.put(SecFppWire.PHASE, SecFppWire.TRAIN);
      c.put(SecFppWire.CLUSTER_ID, clusterOf(id));
      out.add(Instruction.fit(round, id, state.parametersFor(id), c));
    }
    return out;
  }

  @Override
  public ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    Map<Integer, List<Reply>> byCluster = new TreeMap<>();
    for (Reply r : replies) {
      byCluster.computeIfAbsent(clusterOf(r.clientId()), k -> new ArrayList<>()).add(r);
    }
    Map<String, ParameterSet> next = new TreeMap<>(state.personalized());
    for (Map.Entry<Integer, List<Reply>> e : byCluster.entrySet()) {
      List<Reply> group = new ArrayList<>(e.getValue());
      group.sort(Comparator.comparing(Reply::clientId));
      double[] w = new double[group.size()];
      Arrays.fill(w, 1.0 / group.size());
      ParameterSet mean =
          ParameterSet.weightedSum(group.stream().map(Reply::parameters).toList(), w);
      for (Map.Entry<String, Integer> m : clusterOf.entrySet()) {
        if (m.getValue().equals(e.getKey())) {
          next.put(m.getKey(), mean);
        }
      }
    }
    return new ServerState(round, state.global(), next);
  }
}
