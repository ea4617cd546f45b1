/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.proto.CloudLogitsGrpc;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DeviceMessage;
import io.persona4j.steer.proto.End;
import io.persona4j.steer.proto.Open;
import io.persona4j.steer.proto.Token;
import io.persona4j.steer.proto.WireFormat;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A hand-driven session stream: sends whatever a test wants, collects what the cloud answers. */
final class RawSession {
  final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  final StreamObserver<DeviceMessage> out;

  RawSession(ManagedChannel channel) {
    out =
        CloudLogitsGrpc.newStub(channel)
            .session(
                new StreamObserver<>() {
                  @Override
                  public void onNext(CloudMessage m) {
                    inbox.add(m);
                  }

                  @Override
                  public void onError(Throwable t) {
                    inbox.add(t);
                  }

                  @Override
                  public void onCompleted() {
                    inbox.add("completed");
                  }
                });
  }

  static Open.Builder open(String client, String token) {
    return Open.newBuilder()
        .setProtocolVersion(CloudService.PROTOCOL_VERSION)
        .setClientId(client)
        .setToken(token)
        .setQuery("hello")
        .setSystemPrompt("")
        .setWire(WireFormat.WIRE_F32)
        .setMaxNewTokens(8);
  }

  RawSession send(Open.Builder o) {
    out.onNext(DeviceMessage.newBuilder().setOpen(o).build());
    return this;
  }

  RawSession token(int step, int id) {
    out.onNext(
        DeviceMessage.newBuilder()
            .setToken(Token.newBuilder().setStep(step).setTokenId(id))
            .build());
    return this;
  }

  RawSession send(DeviceMessage m) {
    out.onNext(m);
    return this;
  }

  /** The next message, failing after 20 s. */
  Object next() throws InterruptedException {
    Object o = inbox.poll(20, TimeUnit.SECONDS);
    if (o == null) {
      throw new AssertionError("nothing from the cloud within 20 s");
    }
    return o;
  }

  /** Skips messages until the End, which it returns; the stream then completes. */
  End awaitEnd() throws InterruptedException {
    while (true) {
      Object o = next();
      if (o instanceof CloudMessage m && m.hasEnd()) {
        Object after = next();
        if (!"completed".equals(after)) {
          throw new AssertionError("after End the stream should complete, got " + after);
        }
        return m.getEnd();
      }
      if (!(o instanceof CloudMessage)) {
        throw new AssertionError("stream ended without End: " + o);
      }
    }
  }
}
