/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.device.GrpcCloudConnector;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DeviceMessage;
import io.persona4j.steer.proto.End;
import io.persona4j.steer.proto.EndCode;
import io.persona4j.steer.proto.WireFormat;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malformed or out-of-order message from a device ends that session with a reason (End with a
 * code), frees it, and harms no other session: an honest session running at the same time gets the
 * same tokens as alone.
 */
class CloudRejectsMalformedMessagesTest {
  @TempDir static Path tmp;
  static CloudRig rig;
  static ManagedChannel channel;

  @BeforeAll
  static void setUp() throws Exception {
    rig =
        new CloudRig(
            tmp,
            CloudServerConfig.builder()
                .optMaxSessions(4)
                .optOpenTimeout(Duration.ofSeconds(2))
                .optIdleTimeout(Duration.ofSeconds(2))
                .optMaxNewTokens(64)
                .build());
    channel =
        NettyChannelBuilder.forAddress("localhost", rig.server.port())
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager((X509Certificate) rig.certs.certificate())
                    .build())
            .build();
  }

  @AfterAll
  static void tearDown() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    rig.close();
  }

  /** Keeps the honest session running while the violations happen. */
  private static final StepListener SLOW =
      new StepListener() {
        @Override
        public void onToken(int step, long token, boolean steered) {
          try {
            Thread.sleep(25);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      };

  private static RawSession raw() {
    return new RawSession(channel);
  }

  private static RawSession opened() throws InterruptedException {
    RawSession s = raw().send(RawSession.open(CloudRig.CLIENT, CloudRig.TOKEN));
    assertThat(((CloudMessage) s.next()).hasOpened()).isTrue();
    assertThat(((CloudMessage) s.next()).getDistribution().getStep()).isZero();
    return s;
  }

  private static void assertEnd(RawSession s, EndCode code, String reason) throws Exception {
    End e = s.awaitEnd();
    assertThat(e.getCode()).as(e.getReason()).isEqualTo(code);
    assertThat(e.getReason()).contains(reason);
  }

  @Test
  void everyViolationEndsOnlyItsOwnSession() throws Exception {
    String q = "Recommend a movie.";
    String p = SteeredGenerator.personalize("I watched Toy Story (1995).", q);
    SteerConfig cfg = SteerConfig.builder().optMaxNewTokens(40).build();
    SteerResult alone;
    try (GrpcCloudConnector c = rig.remote();
        SteeredGenerator g = new SteeredGenerator(rig.device, c)) {
      alone = g.generate(q, p, cfg, StepListener.NONE);
      CompletableFuture<SteerResult> honest =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return g.generate(q, p, cfg, SLOW);
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });

      assertEnd(raw().token(0, 5), EndCode.END_PROTOCOL, "Token before Open");
      assertEnd(
          raw().send(DeviceMessage.getDefaultInstance()), EndCode.END_PROTOCOL, "empty message");
      assertEnd(
          opened().send(RawSession.open(CloudRig.CLIENT, CloudRig.TOKEN)),
          EndCode.END_PROTOCOL,
          "a second Open");
      assertEnd(opened().token(3, 5), EndCode.END_PROTOCOL, "expected step 0");
      assertEnd(opened().token(0, 512), EndCode.END_PROTOCOL, "token id 512 outside [0, 512)");
      assertEnd(opened().token(0, -1), EndCode.END_PROTOCOL, "outside [0, 512)");
      assertEnd(opened().token(0, 5).token(0, 6), EndCode.END_PROTOCOL, "Token for step 0");
      assertEnd(
          raw().send(RawSession.open(CloudRig.CLIENT, CloudRig.TOKEN).setProtocolVersion(99)),
          EndCode.END_PROTOCOL,
          "protocol version 99");
      assertEnd(
          raw()
              .send(RawSession.open(CloudRig.CLIENT, CloudRig.TOKEN).setWire(WireFormat.WIRE_TOPK)),
          EndCode.END_PROTOCOL,
          "k = 0");
      assertEnd(
          raw().send(RawSession.open(CloudRig.CLIENT, CloudRig.TOKEN).setMaxNewTokens(0)),
          EndCode.END_PROTOCOL,
          "max_new_tokens");
      assertEnd(
          raw().send(RawSession.open(CloudRig.CLIENT, "wrong-token-value")),
          EndCode.END_UNAUTHENTICATED,
          "bad_token");
      assertEnd(
          raw().send(RawSession.open("mallory", "mallory-token")),
          EndCode.END_UNAUTHENTICATED,
          "unknown");
      RawSession limited =
          raw().send(RawSession.open(CloudRig.CLIENT, CloudRig.TOKEN).setMaxNewTokens(2));
      limited.next();
      limited.next();
      limited.token(0, 7);
      limited.next();
      assertEnd(limited.token(1, 7), EndCode.END_LIMIT, "2 tokens are used up");

      assertThat(honest).as("the honest session still runs").isNotDone();
      SteerResult during = honest.get(60, TimeUnit.SECONDS);
      assertThat(during.tokens()).containsExactly(alone.tokens());
    }
    awaitIdle();
  }

  @Test
  void silentDevicesTimeOutAndTheConcurrencyLimitSaysBusy() throws Exception {
    RawSession silent =
        raw().send(RawSession.open(CloudRig.CLIENT, CloudRig.TOKEN)); // never answers
    assertEnd(silent, EndCode.END_TIMEOUT, "no Token within 2000 ms");
    assertEnd(raw(), EndCode.END_TIMEOUT, "no Open within 2000 ms");
    RawSession[] hold = new RawSession[4];
    for (int i = 0; i < hold.length; i++) {
      hold[i] = opened();
    }
    assertEnd(
        raw().send(RawSession.open("bob", "bob-secret-token")),
        EndCode.END_BUSY,
        "4 sessions at once");
    for (RawSession h : hold) {
      assertEnd(h, EndCode.END_TIMEOUT, "no Token");
    }
    opened()
        .send(
            DeviceMessage.newBuilder()
                .setClose(io.persona4j.steer.proto.Close.newBuilder().setReason("done"))
                .build());
    awaitIdle();
  }

  private static void awaitIdle() throws InterruptedException {
    for (int i = 0;
        i < 100 && (rig.grpcService.activeSessions() > 0 || rig.grpcService.engine().active() > 0);
        i++) {
      Thread.sleep(50);
    }
    assertThat(rig.grpcService.activeSessions()).as("sessions holding a permit").isZero();
    assertThat(rig.grpcService.engine().active()).as("KV caches held").isZero();
  }
}
