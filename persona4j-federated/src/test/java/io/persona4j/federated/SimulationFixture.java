/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import io.persona4j.federated.sim.InMemoryGrid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Seeded populations of {@link QuadraticClient}s for server tests. */
final class SimulationFixture {

  private SimulationFixture() {}

  static Map<String, QuadraticClient> clients(
      int n, int steps, double lr, double noise, long seed) {
    Random rnd = new Random(seed);
    Map<String, QuadraticClient> out = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      float[] c = new float[8];
      for (int d = 0; d < 8; d++) {
        c[d] = (float) (rnd.nextGaussian() * 2);
      }
      String id = String.format("c%02d", i);
      out.put(
          id,
          new QuadraticClient(
              id, c, 0.5 + 1.5 * rnd.nextDouble(), 10 + rnd.nextInt(91), steps, lr, noise));
    }
    return out;
  }

  static InMemoryGrid grid(Map<String, ? extends ClientApp> apps) {
    return new InMemoryGrid(apps, 4);
  }

  static ServerConfig config(int rounds, double fraction, int minClients, int minReplies) {
    return new ServerConfig(
        rounds,
        new ClientSampler(fraction, minClients, 11),
        minReplies,
        Duration.ofSeconds(20),
        1,
        Double.POSITIVE_INFINITY,
        null,
        null);
  }

  static ServerConfig withFiles(ServerConfig c, Path dir) {
    return c.toBuilder()
        .optCheckpointDir(dir.resolve("ckpt"))
        .optLogFile(dir.resolve("log.jsonl"))
        .build();
  }

  static ServerState zeroState() {
    return ServerState.initial(QuadraticClient.layout(new float[8]));
  }
}
