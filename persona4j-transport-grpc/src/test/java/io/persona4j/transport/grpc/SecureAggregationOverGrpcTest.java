/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.privacy.SecAggClientApp;
import io.persona4j.federated.privacy.SecureAggregationGrid;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.encoding.FixedPoint;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * SecAgg+ on a sparse graph (5 clients, degree 2) over gRPC: the masks cancel exactly, so the run
 * equals the same run on the in-memory grid, and differs from plain FedAvg only by fixed-point
 * quantization.
 */
class SecureAggregationOverGrpcTest {
  private static final ParameterSet START =
      QuadraticApp.layout(new float[] {0.5f, -1f, 2f, 0f, 3f, -0.25f, 1f, 7f});
  private static final FixedPoint FP = new FixedPoint(8.0, 0x1.0p20, 1L << 48);

  private static Map<String, ClientApp> apps() {
    Map<String, ClientApp> apps = new TreeMap<>();
    for (int i = 0; i < 5; i++) {
      apps.put(
          "s" + i,
          new SecAggClientApp(
              new QuadraticApp("s" + i, 300 + i), RandomSource.deterministicForTesting(70 + i)));
    }
    return apps;
  }

  @Test
  void secAggPlusOverGrpcEqualsTheInMemoryRunExactly() throws Exception {
    ServerConfig cfg =
        new ServerConfig(
            2,
            new ClientSampler(1.0, 5, 9),
            5,
            Duration.ofSeconds(20),
            0,
            Double.POSITIVE_INFINITY,
            null,
            null);
    ServerState expected;
    try (InMemoryGrid mem = new InMemoryGrid(apps(), 5)) {
      expected =
          new FederatedServer(new SecureAggregationGrid(mem, FP, 0.5, 2), new FedAvg(), cfg)
              .run(ServerState.initial(START));
    }
    ServerState end;
    try (GridHarness h = new GridHarness()) {
      for (Map.Entry<String, ClientApp> e : apps().entrySet()) {
        h.connect(e.getKey(), e.getValue());
      }
      end =
          new FederatedServer(new SecureAggregationGrid(h.grid, FP, 0.5, 2), new FedAvg(), cfg)
              .run(ServerState.initial(START));
    }
    assertThat(end.round()).isEqualTo(2);
    assertThat(end.global()).isEqualTo(expected.global());
    assertThat(end.global()).isNotEqualTo(START);
    // and it is the equal-weight average of the clients' updates up to quantization (2^-20)
    ServerState plain;
    Map<String, ClientApp> raw = new TreeMap<>();
    for (int i = 0; i < 5; i++) {
      raw.put("s" + i, new EqualWeight(new QuadraticApp("s" + i, 300 + i)));
    }
    try (InMemoryGrid mem = new InMemoryGrid(raw, 5)) {
      plain = new FederatedServer(mem, new FedAvg(), cfg).run(ServerState.initial(START));
    }
    float[] a = end.global().flatten();
    float[] b = plain.global().flatten();
    for (int i = 0; i < a.length; i++) {
      assertThat((double) a[i]).isCloseTo(b[i], org.assertj.core.api.Assertions.within(1e-5));
    }
  }

  /** A client whose reply weighs 1 (secure aggregation averages with equal weights). */
  private record EqualWeight(ClientApp inner) implements ClientApp {
    @Override
    public io.persona4j.federated.Reply fit(io.persona4j.federated.Instruction in)
        throws Exception {
      io.persona4j.federated.Reply r = inner.fit(in);
      return io.persona4j.federated.Reply.ok(in, r.parameters(), 1, r.metrics());
    }

    @Override
    public io.persona4j.federated.Reply evaluate(io.persona4j.federated.Instruction in)
        throws Exception {
      return inner.evaluate(in);
    }
  }
}
