/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.device;

import com.google.protobuf.InvalidProtocolBufferException;
import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.cloud.CloudSession;
import io.persona4j.steer.proto.CloudInfo;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DescribeRequest;
import io.persona4j.steer.proto.DeviceMessage;

/**
 * The cloud in the same process (experiments, tests, {@code steer generate --cloud-model}): the
 * same {@link CloudService} and {@link CloudSession} state machine as the gRPC server, fed the same
 * protobuf messages; every message is serialized and parsed again on the way, as on the wire. Only
 * the transport differs.
 */
public final class InProcessCloudConnector implements CloudConnector {
  private final CloudService service;
  private final Credentials credentials;

  public InProcessCloudConnector(CloudService service, Credentials credentials) {
    this.service = service;
    this.credentials = credentials;
  }

  @Override
  public CloudInfo describe() {
    return service.describe(
        DescribeRequest.newBuilder()
            .setClientId(credentials.clientId())
            .setToken(credentials.token())
            .build(),
        null);
  }

  @Override
  public CloudLink openLink() {
    return new Link();
  }

  @Override
  public Credentials credentials() {
    return credentials;
  }

  /** Closes nothing: the service belongs to the caller. */
  @Override
  public void close() {}

  private final class Link extends QueueLink {
    private final CloudSession session;
    private boolean closed;

    Link() {
      session =
          service.newSession(
              new CloudSession.Outbound() {
                @Override
                public void send(CloudMessage m) {
                  try {
                    deliver(CloudMessage.parseFrom(m.toByteArray()));
                  } catch (InvalidProtocolBufferException e) {
                    failed("unparseable message: " + e.getMessage());
                  }
                }

                @Override
                public void complete() {
                  completed();
                }
              },
              null);
    }

    @Override
    public synchronized void send(DeviceMessage m) {
      if (closed) {
        throw new SteerSessionException(SteerSessionException.Code.TRANSPORT, "link is closed");
      }
      try {
        session.onMessage(DeviceMessage.parseFrom(m.toByteArray()));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a device message did not parse back", e);
      }
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        session.onTransportClosed("the device closed the link");
      }
    }
  }
}
