/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.proto.CloudInfo;
import io.persona4j.steer.proto.CloudLogitsGrpc;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DescribeRequest;
import io.persona4j.steer.proto.DeviceMessage;
import io.persona4j.transport.grpc.TlsCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * The cloud logits service over gRPC: {@code CloudLogits.Describe} and one bidirectional {@code
 * Session} stream per steering session, on a {@link CloudService}. TLS (and mutual TLS) come from
 * the federated transport's {@code TlsCredentials}, client tokens from its {@code ClientRegistry};
 * with certificate identity required there, the client certificate's CN must be the client id.
 */
public final class CloudServer implements AutoCloseable {
  /** Largest message accepted from a device (Open with its query). */
  public static final int MAX_INBOUND_BYTES = 4 << 20;

  private final CloudService service;
  private final Server server;

  private CloudServer(CloudService service, Server server) {
    this.service = service;
    this.server = server;
  }

  /**
   * Starts serving {@code service}.
   *
   * @param credentials {@code InsecureServerCredentials.create()} or {@code TlsCredentials.server}
   * @param interceptors extra interceptors, outermost first (e.g. an audit tap in tests)
   */
  public static CloudServer start(
      CloudService service, ServerCredentials credentials, ServerInterceptor... interceptors)
      throws IOException {
    CloudServerConfig c = service.config();
    List<ServerInterceptor> chain = new ArrayList<>();
    chain.add(new PeerCertificate());
    for (int i = interceptors.length - 1; i >= 0; i--) {
      chain.add(interceptors[i]); // intercept() applies the last one first
    }
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(c.bindHost(), c.port()), credentials)
            .maxInboundMessageSize(MAX_INBOUND_BYTES)
            .addService(ServerInterceptors.intercept(new Service(service), chain))
            .build()
            .start();
    return new CloudServer(service, server);
  }

  /** The port listened on (the actual one when configured with 0). */
  public int port() {
    return server.getPort();
  }

  public CloudService service() {
    return service;
  }

  /** Ends every session (End SHUTDOWN) and stops the server; the service is closed too. */
  @Override
  public void close() {
    service.close();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static final Context.Key<String> PEER_CN = Context.key("p4j-steer-peer-cn");

  private static final class Service extends CloudLogitsGrpc.CloudLogitsImplBase {
    private final CloudService service;

    Service(CloudService service) {
      this.service = service;
    }

    @Override
    public void describe(DescribeRequest request, StreamObserver<CloudInfo> response) {
      try {
        response.onNext(service.describe(request, PEER_CN.get()));
        response.onCompleted();
      } catch (SteerSessionException e) {
        response.onError(Status.UNAUTHENTICATED.withDescription(e.reason()).asRuntimeException());
      }
    }

    @Override
    public StreamObserver<DeviceMessage> session(StreamObserver<CloudMessage> responses) {
      ServerCallStreamObserver<CloudMessage> call =
          (ServerCallStreamObserver<CloudMessage>) responses;
      Object lock = new Object();
      boolean[] done = new boolean[1];
      CloudSession session =
          service.newSession(
              new CloudSession.Outbound() {
                @Override
                public void send(CloudMessage m) {
                  synchronized (lock) {
                    if (!done[0] && !call.isCancelled()) {
                      call.onNext(m);
                    }
                  }
                }

                @Override
                public void complete() {
                  synchronized (lock) {
                    if (!done[0]) {
                      done[0] = true;
                      if (!call.isCancelled()) {
                        call.onCompleted();
                      }
                    }
                  }
                }
              },
              PEER_CN.get());
      call.setOnCancelHandler(() -> session.onTransportClosed("cancelled by the device"));
      return new StreamObserver<>() {
        @Override
        public void onNext(DeviceMessage m) {
          session.onMessage(m);
        }

        @Override
        public void onError(Throwable t) {
          session.onTransportClosed(String.valueOf(Status.fromThrowable(t)));
        }

        @Override
        public void onCompleted() {
          session.onTransportClosed("the device completed its stream");
          synchronized (lock) {
            if (!done[0]) {
              done[0] = true;
              call.onCompleted();
            }
          }
        }
      };
    }
  }

  /** Puts the common name of the TLS client certificate (if any) into the call's context. */
  private static final class PeerCertificate implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      String cn = TlsCredentials.peerCommonName(ssl);
      return Contexts.interceptCall(Context.current().withValue(PEER_CN, cn), call, headers, next);
    }
  }
}
