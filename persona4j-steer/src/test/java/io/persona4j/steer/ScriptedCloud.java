/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import com.google.protobuf.ByteString;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.CloudLink;
import io.persona4j.steer.proto.CloudInfo;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DeviceMessage;
import io.persona4j.steer.proto.End;
import io.persona4j.steer.proto.EndCode;
import io.persona4j.steer.proto.Opened;
import io.persona4j.steer.wire.DistributionCodec;
import io.persona4j.steer.wire.WireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A cloud that speaks the protocol honestly but whose distributions are scripted per step (the
 * device's tokens do not change them): for testing the device's reaction to given cloud
 * uncertainties. Records every message it receives.
 */
final class ScriptedCloud implements CloudConnector {
  private final CloudInfo info;
  private final IntFunction<float[]> script;
  final List<DeviceMessage> received = new ArrayList<>();

  ScriptedCloud(Path tokenizerJson, int vocab, IntFunction<float[]> script) throws Exception {
    byte[] bytes = Files.readAllBytes(tokenizerJson);
    this.info =
        CloudInfo.newBuilder()
            .setProtocolVersion(CloudService.PROTOCOL_VERSION)
            .setModelFingerprint("scripted")
            .setTokenizerSha256(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
            .setVocabSize(vocab)
            .setLogitWidth(vocab)
            .addEosIds(2)
            .setTokenizerJson(ByteString.copyFrom(bytes))
            .setMaxNewTokens(1000)
            .setMaxPromptTokens(1000)
            .build();
    this.script = script;
  }

  /** Log-probabilities with mass {@code p} on {@code top} and the rest spread evenly. */
  static float[] peaked(int vocab, int top, double p) {
    float[] x = new float[vocab];
    java.util.Arrays.fill(x, (float) Math.log((1 - p) / (vocab - 1)));
    x[top] = (float) Math.log(p);
    return x;
  }

  @Override
  public CloudInfo describe() {
    return info;
  }

  @Override
  public Credentials credentials() {
    return new Credentials("scripted", "");
  }

  @Override
  public void close() {}

  @Override
  public CloudLink openLink() {
    return new CloudLink() {
      final LinkedBlockingQueue<CloudMessage> inbox = new LinkedBlockingQueue<>();
      WireFormat wire;

      @Override
      public void send(DeviceMessage m) {
        synchronized (received) {
          received.add(m);
        }
        switch (m.getKindCase()) {
          case OPEN -> {
            wire =
                DistributionCodec.fromProto(
                    m.getOpen().getWire(), m.getOpen().getTopK(), info.getVocabSize());
            inbox.add(
                CloudMessage.newBuilder()
                    .setOpened(
                        Opened.newBuilder()
                            .setSessionId("x")
                            .addPromptIds(1)
                            .addPromptIds(40)
                            .setVocabSize(info.getVocabSize())
                            .setMaxNewTokens(m.getOpen().getMaxNewTokens()))
                    .build());
            distribution(0);
          }
          case TOKEN -> distribution(m.getToken().getStep() + 1);
          default ->
              inbox.add(
                  CloudMessage.newBuilder()
                      .setEnd(End.newBuilder().setCode(EndCode.END_OK).setReason("closed"))
                      .build());
        }
      }

      private void distribution(int step) {
        inbox.add(
            CloudMessage.newBuilder()
                .setDistribution(DistributionCodec.encode(script.apply(step), wire, step, 0))
                .build());
      }

      @Override
      public CloudMessage receive(Duration timeout) throws InterruptedException {
        CloudMessage m = inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
          throw new SteerSessionException(SteerSessionException.Code.TIMEOUT, "scripted timeout");
        }
        return m;
      }

      @Override
      public void close() {}
    };
  }
}
