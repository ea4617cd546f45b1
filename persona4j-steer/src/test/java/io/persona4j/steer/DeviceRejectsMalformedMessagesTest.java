/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.InsecureServerCredentials;
import io.grpc.stub.StreamObserver;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.cloud.CloudSession;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.CloudLink;
import io.persona4j.steer.device.GrpcCloudConnector;
import io.persona4j.steer.proto.CloudInfo;
import io.persona4j.steer.proto.CloudLogitsGrpc;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DescribeRequest;
import io.persona4j.steer.proto.DeviceMessage;
import io.persona4j.steer.proto.EndCode;
import io.persona4j.steer.proto.Opened;
import io.persona4j.steer.wire.WireFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malformed or out-of-order message from the cloud ends that session on the device with a reason,
 * tells the cloud (Close), and harms no other session of the same device.
 */
class DeviceRejectsMalformedMessagesTest {
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

  /** The in-process cloud, with the {@code index}-th message it sends replaced. */
  static CloudConnector tampered(int index, UnaryOperator<CloudMessage> change) {
    CloudConnector inner = rig.local();
    return new CloudConnector() {
      @Override
      public CloudInfo describe() {
        return inner.describe();
      }

      @Override
      public Credentials credentials() {
        return inner.credentials();
      }

      @Override
      public void close() {}

      @Override
      public CloudLink openLink() {
        CloudLink link = inner.openLink();
        return new CloudLink() {
          int n;

          @Override
          public void send(DeviceMessage m) {
            link.send(m);
          }

          @Override
          public CloudMessage receive(Duration timeout) throws InterruptedException {
            CloudMessage m = link.receive(timeout);
            return m != null && n++ == index ? change.apply(m) : m;
          }

          @Override
          public void close() {
            link.close();
          }
        };
      }
    };
  }

  private static SteerResult run(CloudConnector c, SteerConfig cfg) throws Exception {
    try (SteeredGenerator g = new SteeredGenerator(rig.device, c)) {
      return g.generate("q?", "secret\n\nq?", cfg, StepListener.NONE);
    }
  }

  private static void assertRejected(int index, UnaryOperator<CloudMessage> change, String reason)
      throws Exception {
    assertRejected(index, change, reason, SteerConfig.builder().optMaxNewTokens(6).build());
  }

  private static void assertRejected(
      int index, UnaryOperator<CloudMessage> change, String reason, SteerConfig cfg)
      throws Exception {
    long okBefore = rig.localService.stats().snapshot().endedBy().getOrDefault(EndCode.END_OK, 0L);
    assertThatThrownBy(() -> run(tampered(index, change), cfg))
        .isInstanceOf(SteerSessionException.class)
        .hasMessageContaining(reason)
        .satisfies(
            e ->
                assertThat(((SteerSessionException) e).code())
                    .isEqualTo(SteerSessionException.Code.PROTOCOL));
    // the cloud was told (Close) and freed the session at once
    assertThat(rig.localService.stats().snapshot().endedBy().get(EndCode.END_OK))
        .isEqualTo(okBefore + 1);
    assertThat(rig.localService.activeSessions()).isZero();
  }

  @Test
  void everyMalformedCloudMessageEndsTheSessionWithAReason() throws Exception {
    UnaryOperator<CloudMessage> nextStep =
        m -> m.toBuilder().setDistribution(m.getDistribution().toBuilder().setStep(7)).build();
    assertRejected(2, nextStep, "distribution for step 7 while waiting for step 1");
    assertRejected(
        0,
        m ->
            CloudMessage.newBuilder()
                .setDistribution(io.persona4j.steer.proto.Distribution.getDefaultInstance())
                .build(),
        "expected Opened, got DISTRIBUTION");
    assertRejected(
        1,
        m ->
            CloudMessage.newBuilder()
                .setOpened(Opened.newBuilder().setVocabSize(512).setMaxNewTokens(6).addPromptIds(1))
                .build(),
        "expected Distribution(0), got OPENED");
    assertRejected(
        0,
        m -> m.toBuilder().setOpened(m.getOpened().toBuilder().setVocabSize(600)).build(),
        "vocab_size 600");
    assertRejected(
        0,
        m -> m.toBuilder().setOpened(m.getOpened().toBuilder().setPromptIds(0, 9999)).build(),
        "prompt id 9999 outside");
    assertRejected(
        0,
        m -> m.toBuilder().setOpened(m.getOpened().toBuilder().setMaxNewTokens(100)).build(),
        "max_new_tokens 100");
    assertRejected(
        1,
        m ->
            m.toBuilder()
                .setDistribution(
                    m.getDistribution().toBuilder()
                        .setValues(m.getDistribution().getValues().substring(4)))
                .build(),
        "value bytes");
    assertRejected(
        3,
        m -> {
          byte[] v = m.getDistribution().getValues().toByteArray();
          v[40] = (byte) 0xff;
          v[41] = (byte) 0xff;
          v[42] = (byte) 0xc0;
          v[43] = (byte) 0x7f; // NaN at id 10
          return m.toBuilder()
              .setDistribution(m.getDistribution().toBuilder().setValues(ByteString.copyFrom(v)))
              .build();
        },
        "id 10 is NaN");
    assertRejected(
        1,
        m ->
            m.toBuilder()
                .setDistribution(
                    m.getDistribution().toBuilder()
                        .setIds(ByteString.copyFrom(new byte[m.getDistribution().getIds().size()])))
                .build(),
        "listed twice",
        SteerConfig.builder().optMaxNewTokens(6).optWire(WireFormat.topK(8)).build());
  }

  @Test
  void aRogueCloudSessionDoesNotHarmAnotherSessionOfTheDevice() throws Exception {
    // a gRPC cloud that corrupts the third distribution of sessions whose query starts with EVIL
    try (CloudService honest =
            new CloudService(rig.cloud, CloudServerConfig.builder().build(), null);
        EvilServer evil = EvilServer.start(honest);
        GrpcCloudConnector c =
            new GrpcCloudConnector(
                "localhost:" + evil.server.getPort(),
                io.grpc.InsecureChannelCredentials.create(),
                null,
                new CloudConnector.Credentials("d", ""),
                Duration.ofSeconds(30));
        SteeredGenerator g = new SteeredGenerator(rig.device, c)) {
      SteerConfig cfg = SteerConfig.builder().optMaxNewTokens(30).build();
      SteerResult alone = g.generate("fine", "ctx\n\nfine", cfg, StepListener.NONE);
      CompletableFuture<SteerResult> good =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return g.generate("fine", "ctx\n\nfine", cfg, SLOW);
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThatThrownBy(() -> g.generate("EVIL", "ctx\n\nEVIL", cfg, StepListener.NONE))
          .isInstanceOf(SteerSessionException.class)
          .hasMessageContaining("distribution for step 99 while waiting for step 2");
      assertThat(good).isNotDone();
      assertThat(good.get(60, TimeUnit.SECONDS).tokens()).containsExactly(alone.tokens());
    }
  }

  private static final StepListener SLOW =
      new StepListener() {
        @Override
        public void onToken(int step, long token, boolean steered) {
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      };

  /**
   * A CloudLogits service delegating to a real one, corrupting EVIL sessions' third distribution.
   */
  static final class EvilServer extends CloudLogitsGrpc.CloudLogitsImplBase
      implements AutoCloseable {
    private final CloudService honest;
    io.grpc.Server server;

    EvilServer(CloudService honest) {
      this.honest = honest;
    }

    static EvilServer start(CloudService honest) throws Exception {
      EvilServer e = new EvilServer(honest);
      e.server =
          io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                  new java.net.InetSocketAddress("127.0.0.1", 0),
                  InsecureServerCredentials.create())
              .addService(e)
              .build()
              .start();
      return e;
    }

    @Override
    public void close() throws InterruptedException {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public void describe(DescribeRequest r, StreamObserver<CloudInfo> out) {
      out.onNext(honest.describe(r, null));
      out.onCompleted();
    }

    @Override
    public StreamObserver<DeviceMessage> session(StreamObserver<CloudMessage> out) {
      boolean[] evil = new boolean[1];
      int[] sent = new int[1];
      CloudSession s =
          honest.newSession(
              new CloudSession.Outbound() {
                @Override
                public synchronized void send(CloudMessage m) {
                  if (evil[0] && m.hasDistribution() && ++sent[0] == 3) {
                    m =
                        m.toBuilder()
                            .setDistribution(m.getDistribution().toBuilder().setStep(99))
                            .build();
                  }
                  out.onNext(m);
                }

                @Override
                public synchronized void complete() {
                  out.onCompleted();
                }
              },
              null);
      return new StreamObserver<>() {
        @Override
        public void onNext(DeviceMessage m) {
          if (m.hasOpen() && m.getOpen().getQuery().startsWith("EVIL")) {
            evil[0] = true;
          }
          s.onMessage(m);
        }

        @Override
        public void onError(Throwable t) {
          s.onTransportClosed("error");
        }

        @Override
        public void onCompleted() {
          s.onTransportClosed("completed");
        }
      };
    }
  }
}
