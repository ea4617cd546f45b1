/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.MaskedInput;
import io.persona4j.privacy.secagg.Messages.Result;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.SecAggClient;
import io.persona4j.privacy.secagg.SecAggConfig;
import io.persona4j.privacy.secagg.SecAggServer;
import io.persona4j.privacy.secagg.Stage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A {@link SecureAggregator} that runs one full SecAgg round (Bonawitz et al. 2017: {@link
 * SecAggServer} and one {@link SecAggClient} per clustering client, fresh keys every round) in
 * process for each query. The server object only receives protocol messages; {@link #serverView()}
 * keeps every masked input it received, so tests can check that no contribution appears in clear.
 * The federated engine runs the same protocol over a {@code Grid} instead.
 */
public final class SecAggAggregator implements SecureAggregator {
  private final List<ClusterClient> clients;
  private final FixedPoint fixedPoint;
  private final IntFunction<RandomSource> randomFor;
  private final List<long[]> serverView = new ArrayList<>();
  private int rounds;

  /**
   * @param clients the clustering clients (at least 2)
   * @param fixedPoint encoding of contributions; its clip must be {@code >= 1} (unit vectors)
   * @param randomFor randomness of protocol client {@code i} (1-based) in a round counter-mixed id;
   *     {@code i -> RandomSource.secure()} in production
   */
  public SecAggAggregator(
      List<ClusterClient> clients, FixedPoint fixedPoint, IntFunction<RandomSource> randomFor) {
    if (clients.size() < 2) {
      throw new IllegalArgumentException(
          "secure aggregation needs >= 2 clients, got " + clients.size());
    }
    if (fixedPoint.clip() < 1) {
      throw new IllegalArgumentException(
          "fixedPoint clip must be >= 1 for unit vectors, got " + fixedPoint.clip());
    }
    this.clients = List.copyOf(clients);
    this.fixedPoint = fixedPoint;
    this.randomFor = randomFor;
  }

  @Override
  public int clients() {
    return clients.size();
  }

  /** Every masked input the server received, in order (what an honest-but-curious server sees). */
  public List<long[]> serverView() {
    return Collections.unmodifiableList(serverView);
  }

  /** Number of secure rounds run so far. */
  public int rounds() {
    return rounds;
  }

  @Override
  public double[] aggregate(ClusterQuery query) {
    int n = clients.size();
    int length = query.contributionLength();
    SecAggConfig config = new SecAggConfig(n, n / 2 + 1, length, fixedPoint);
    SecAggServer server = new SecAggServer(config);
    SecAggClient[] protocol = new SecAggClient[n + 1];
    int round = rounds++;
    for (int i = 1; i <= n; i++) {
      protocol[i] = new SecAggClient(config, i, randomFor.apply(round * 100_003 + i));
      server.receive(protocol[i].advertiseKeys());
    }
    KeyDirectory dir = server.closeAdvertiseKeys();
    for (int i = 1; i <= n; i++) {
      server.receive(protocol[i].shareKeys(dir));
    }
    server.closeShareKeys();
    for (int i = 1; i <= n; i++) {
      // The contribution is computed on the client and only leaves it masked.
      float[] x = clients.get(i - 1).contribution(query);
      MaskedInput m = protocol[i].maskedInput(server.deliveryFor(i), x);
      serverView.add(m.maskedInput());
      server.receive(m);
    }
    SurvivorList survivors = server.closeMaskedInput();
    for (int i : survivors.maskedInputSenders()) {
      server.receive(protocol[i].unmask(survivors));
    }
    Result r = server.closeUnmasking();
    if (server.stage() == Stage.ABORTED || r == null) {
      throw new IllegalStateException("secure aggregation aborted: " + server.abortReason());
    }
    return r.sum();
  }
}
