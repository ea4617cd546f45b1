/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.device.GrpcCloudConnector;
import io.persona4j.steer.proto.EndCode;
import io.persona4j.steer.wire.WireFormat;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same session over gRPC with TLS and a client token gives the same tokens as in one process,
 * for every wire format, AdaCoSteer and sampling; the byte counts of both sides agree.
 */
class NetworkEqualsInProcessTest {
  @TempDir static Path tmp;
  static CloudRig rig;

  @BeforeAll
  static void setUp() throws Exception {
    rig = new CloudRig(tmp, CloudServerConfig.builder().build());
  }

  @AfterAll
  static void tearDown() {
    rig.close();
  }

  @Test
  void networkModeGivesTheSameTokensAsInProcessMode() throws Exception {
    String q = "Recommend a movie.";
    String p = SteeredGenerator.personalize("I watched Toy Story (1995) and Heat (1995).", q);
    SteerConfig base = SteerConfig.builder().optMaxNewTokens(10).build();
    List<SteerConfig> configs =
        List.of(
            base,
            base.withRule(SteeringRule.closedForm(SteerParams.DEFAULTS)).withWire(WireFormat.F16),
            base.withWire(WireFormat.BF16),
            base.withWire(WireFormat.topK(16)),
            base.withAda(0.6, 2),
            SteerConfig.builder().optMaxNewTokens(10).optSampling(0.8f, 0.9f, 5).build(),
            base.withCloudOnly(true));
    try (GrpcCloudConnector remote = rig.remote();
        SteeredGenerator net = new SteeredGenerator(rig.device, remote);
        SteeredGenerator local = new SteeredGenerator(rig.device, rig.local())) {
      for (SteerConfig cfg : configs) {
        SteerResult a = net.generate(q, p, cfg, StepListener.NONE);
        SteerResult b = local.generate(q, p, cfg, StepListener.NONE);
        assertThat(a.tokens())
            .as("%s %s", cfg.wire(), cfg.rule().describe())
            .containsExactly(b.tokens());
        assertThat(a.steered()).containsExactly(b.steered());
        assertThat(a.cloudIds()).containsExactly(b.cloudIds());
        // the same messages; only the varints of the cloud's timing and the session id may differ
        assertThat(a.traffic().bytesUp()).isEqualTo(b.traffic().bytesUp());
        assertThat(a.traffic().messagesUp()).isEqualTo(b.traffic().messagesUp());
        assertThat(a.traffic().messagesDown()).isEqualTo(b.traffic().messagesDown());
        assertThat(a.traffic().bytesDown())
            .isCloseTo(b.traffic().bytesDown(), within(8L * a.traffic().messagesDown()));
        long perToken = cfg.wire().payloadBytes(SteerFixture.VOCAB);
        assertThat(a.traffic().bytesDown()).isGreaterThan(perToken * a.tokens().length);
      }
    }
    var stats = rig.grpcService.stats().snapshot();
    assertThat(stats.endedBy()).containsOnlyKeys(EndCode.END_OK);
    assertThat(rig.grpcService.activeSessions()).isZero();
    assertThat(rig.grpcService.engine().active()).isZero();
  }

  @Test
  void concurrentSessionsBatchedOnTheCloudGetTheirOwnTokens() throws Exception {
    String q = "Recommend a movie.";
    List<String> contexts =
        List.of("I love horror.", "Musicals only, please.", "Heat (1995) is my favourite.", "x");
    SteerConfig cfg = SteerConfig.builder().optMaxNewTokens(12).build();
    try (GrpcCloudConnector remote = rig.remote();
        SteeredGenerator net = new SteeredGenerator(rig.device, remote);
        SteeredGenerator local = new SteeredGenerator(rig.device, rig.local())) {
      List<java.util.concurrent.CompletableFuture<SteerResult>> runs = new java.util.ArrayList<>();
      for (String ctx : contexts) {
        runs.add(
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return net.generate(
                        q, SteeredGenerator.personalize(ctx, q), cfg, StepListener.NONE);
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
      for (int i = 0; i < contexts.size(); i++) {
        SteerResult alone =
            local.generate(
                q, SteeredGenerator.personalize(contexts.get(i), q), cfg, StepListener.NONE);
        assertThat(runs.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS).tokens())
            .as("session %d", i)
            .containsExactly(alone.tokens());
      }
    }
  }

  @Test
  void aBadTokenIsRefusedAndAKnownClientWorks() throws Exception {
    try (GrpcCloudConnector wrong = rig.remote(CloudRig.CLIENT, "not-the-token")) {
      assertThatThrownBy(() -> new SteeredGenerator(rig.device, wrong))
          .isInstanceOf(SteerSessionException.class)
          .hasMessageContaining("UNAUTHENTICATED");
    }
    try (GrpcCloudConnector bob = rig.remote("bob", "bob-secret-token");
        SteeredGenerator g = new SteeredGenerator(rig.device, bob)) {
      SteerResult r =
          g.generate(
              "q", "c\n\nq", SteerConfig.builder().optMaxNewTokens(3).build(), StepListener.NONE);
      assertThat(r.tokens()).hasSize(3);
      assertThat(r.stopReason()).isEqualTo("max_tokens");
    }
  }
}
