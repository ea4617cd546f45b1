/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that send NaN, wrongly shaped or oversized tensors over gRPC are rejected before
 * aggregation, the run continues, and the result is exactly the honest clients' FedAvg.
 */
class MaliciousClientsTest {

  private static final ParameterSet START =
      QuadraticApp.layout(new float[] {0.5f, -1f, 2f, 0f, 3f, -0.25f, 1f, 7f});

  @TempDir Path dir;

  private static Map<String, QuadraticApp> honest() {
    Map<String, QuadraticApp> apps = new TreeMap<>();
    for (int i = 0; i < 3; i++) {
      apps.put("h" + i, new QuadraticApp("h" + i, 200 + i));
    }
    return apps;
  }

  @Test
  void nanWrongShapeAndOversizedRepliesAreRejectedAndTheRunContinues() throws Exception {
    ServerConfig honestOnly =
        new ServerConfig(
            2, new ClientSampler(1.0, 3, 5), 3, Duration.ofSeconds(20), 0, 50.0, null, null);
    ServerState expected;
    try (InMemoryGrid mem = new InMemoryGrid(honest(), 4)) {
      expected = new FederatedServer(mem, new FedAvg(), honestOnly).run(ServerState.initial(START));
    }
    Path log = dir.resolve("log.jsonl");
    ServerConfig cfg =
        new ServerConfig(
            2, new ClientSampler(1.0, 6, 5), 3, Duration.ofSeconds(20), 0, 50.0, null, log);
    ServerState end;
    try (GridHarness h = new GridHarness()) {
      for (Map.Entry<String, QuadraticApp> e : honest().entrySet()) {
        h.connect(e.getKey(), e.getValue());
      }
      h.connect(
          "m-nan",
          TestApps.fit(
              in -> {
                float[] w = in.parameters().flatten();
                w[3] = Float.NaN;
                return Reply.ok(in, in.parameters().withFlatValues(w), 1000, Map.of());
              }));
      h.connect(
          "m-shape",
          TestApps.fit(
              in ->
                  Reply.ok(
                      in,
                      ParameterSet.builder()
                          .add("w", new int[] {3, 2}, new float[6])
                          .add("b", new int[] {2}, new float[2])
                          .build(),
                      1000,
                      Map.of())));
      h.connect(
          "m-big",
          TestApps.fit(
              in -> {
                // 10x the elements of every tensor
                float[] w = in.parameters().flatten();
                float[] big = new float[w.length * 10];
                return Reply.ok(
                    in,
                    ParameterSet.builder()
                        .add("w", new int[] {20, 3}, java.util.Arrays.copyOf(big, 60))
                        .add("b", new int[] {20}, java.util.Arrays.copyOf(big, 20))
                        .build(),
                    1000,
                    Map.of());
              }));
      h.connect(
          "m-far",
          TestApps.fit(
              in -> {
                float[] w = in.parameters().flatten();
                for (int i = 0; i < w.length; i++) {
                  w[i] = w[i] * 10 + 10; // far beyond the update-norm bound of 50
                }
                return Reply.ok(in, in.parameters().withFlatValues(w), 1000, Map.of());
              }));
      end = new FederatedServer(h.grid, new FedAvg(), cfg).run(ServerState.initial(START));
    }
    assertThat(end.round()).isEqualTo(2);
    // nothing of the malicious replies was merged: equal to FedAvg over the honest clients alone
    assertThat(end.global()).isEqualTo(expected.global());
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(2);
    for (String l : lines) {
      assertThat(l).contains("\"status\":\"ok\"").contains("\"validReplies\":3");
      assertThat(l).contains("non-finite value");
      assertThat(l).contains("exceeds bound 50.0");
      assertThat(countOf(l, "\"status\":\"INVALID_REPLY\"")).isEqualTo(4);
    }
  }

  private static int countOf(String s, String sub) {
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
      n++;
    }
    return n;
  }
}
