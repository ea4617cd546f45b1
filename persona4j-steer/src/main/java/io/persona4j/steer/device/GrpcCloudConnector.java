/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.device;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.proto.CloudInfo;
import io.persona4j.steer.proto.CloudLogitsGrpc;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DescribeRequest;
import io.persona4j.steer.proto.DeviceMessage;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A cloud logits service over gRPC: one channel, one bidirectional stream per session. TLS from the
 * federated transport's {@code TlsCredentials.client}, or plaintext.
 */
public final class GrpcCloudConnector implements CloudConnector {
  /** Largest message accepted from the cloud (CloudInfo carries the tokenizer.json). */
  public static final int MAX_INBOUND_BYTES = 256 << 20;

  private final ManagedChannel channel;
  private final Credentials credentials;
  private final Duration describeTimeout;

  /**
   * @param target {@code host:port}
   * @param channelCredentials {@code InsecureChannelCredentials.create()} or {@code
   *     TlsCredentials.client(...)}
   * @param authority host name expected in the server certificate, or null for the target's
   */
  public GrpcCloudConnector(
      String target,
      ChannelCredentials channelCredentials,
      String authority,
      Credentials credentials,
      Duration describeTimeout) {
    var b =
        Grpc.newChannelBuilder(target, channelCredentials).maxInboundMessageSize(MAX_INBOUND_BYTES);
    if (authority != null) {
      b.overrideAuthority(authority);
    }
    this.channel = b.build();
    this.credentials = credentials;
    this.describeTimeout = describeTimeout;
  }

  @Override
  public CloudInfo describe() {
    try {
      return CloudLogitsGrpc.newBlockingStub(channel)
          .withDeadlineAfter(describeTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .describe(
              DescribeRequest.newBuilder()
                  .setClientId(credentials.clientId())
                  .setToken(credentials.token())
                  .build());
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      SteerSessionException.Code code =
          s.getCode() == Status.Code.UNAUTHENTICATED
              ? SteerSessionException.Code.UNAUTHENTICATED
              : SteerSessionException.Code.TRANSPORT;
      throw new SteerSessionException(
          code, "cloud " + channel.authority() + ": " + s.getCode() + " " + s.getDescription(), e);
    }
  }

  @Override
  public CloudLink openLink() {
    GrpcLink link = new GrpcLink();
    CloudLogitsGrpc.newStub(channel).session(link);
    return link;
  }

  @Override
  public Credentials credentials() {
    return credentials;
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static final class GrpcLink extends QueueLink
      implements ClientResponseObserver<DeviceMessage, CloudMessage> {
    private ClientCallStreamObserver<DeviceMessage> requests;
    private boolean closed;

    @Override
    public void beforeStart(ClientCallStreamObserver<DeviceMessage> r) {
      this.requests = r;
    }

    @Override
    public void onNext(CloudMessage m) {
      deliver(m);
    }

    @Override
    public void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      failed("gRPC stream failed: " + s.getCode() + " " + s.getDescription());
    }

    @Override
    public void onCompleted() {
      completed();
    }

    @Override
    public synchronized void send(DeviceMessage m) {
      if (closed) {
        throw new SteerSessionException(SteerSessionException.Code.TRANSPORT, "link is closed");
      }
      requests.onNext(m);
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        try {
          requests.onCompleted();
        } catch (IllegalStateException e) {
          // the call already ended
        }
      }
    }
  }
}
