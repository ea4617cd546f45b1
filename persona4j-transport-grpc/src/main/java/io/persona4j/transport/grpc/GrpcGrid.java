/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

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
import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.transport.grpc.proto.ClientMessage;
import io.persona4j.transport.grpc.proto.FederatedServiceGrpc;
import io.persona4j.transport.grpc.proto.ServerMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A {@link Grid} whose clients are remote {@link GrpcClient}s: a gRPC server on which clients open
 * one bidirectional stream each, authenticate with their {@link ClientRegistry} token, and then
 * receive instructions the server pushes.
 *
 * <p>Same semantics as {@code InMemoryGrid}: {@link #clients()} are the connected, authenticated,
 * non-revoked clients; in {@link #send} an id not allowed by the registry is {@link
 * Failure.Kind#UNKNOWN_CLIENT}, a registered client that is not connected or whose connection
 * drops, or whose application throws, is {@link Failure.Kind#DROPPED}, one not done at the deadline
 * is {@link Failure.Kind#TIMEOUT} (and told to cancel), a malformed reply stream or a reply naming
 * another client or round is {@link Failure.Kind#INVALID_REPLY}. {@link ClientStats} count the
 * serialized protobuf bytes actually written down and read up.
 */
public final class GrpcGrid implements Grid, AutoCloseable {

  private final GrpcGridConfig config;
  private final ClientRegistry registry;
  private final Server server;
  private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
  private final AtomicLong messageIds = new AtomicLong();

  private GrpcGrid(GrpcGridConfig config, ClientRegistry registry, ServerCredentials credentials)
      throws IOException {
    this.config = config;
    this.registry = registry;
    this.server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.bindHost(), config.port()), credentials)
            .addService(ServerInterceptors.intercept(new Service(), new PeerCertificate()))
            .build()
            .start();
  }

  /**
   * Starts the server.
   *
   * @param credentials {@code InsecureServerCredentials.create()} or {@link TlsCredentials#server}
   */
  public static GrpcGrid start(
      GrpcGridConfig config, ClientRegistry registry, ServerCredentials credentials)
      throws IOException {
    return new GrpcGrid(config, registry, credentials);
  }

  /** The port listened on (the actual one when configured with 0). */
  public int port() {
    return server.getPort();
  }

  GrpcGridConfig config() {
    return config;
  }

  ClientRegistry registry() {
    return registry;
  }

  void attach(ClientSession s) {
    ClientSession old = sessions.put(s.clientId(), s);
    if (old != null && old != s) {
      old.close(Status.ABORTED.withDescription("superseded by a new connection"));
    }
  }

  void detach(ClientSession s) {
    if (s.clientId() != null) {
      sessions.remove(s.clientId(), s);
    }
  }

  /** Revokes a client in the registry and closes its connection. */
  public void revoke(String clientId) {
    registry.revoke(clientId);
    ClientSession s = sessions.get(clientId);
    if (s != null) {
      s.close(Status.PERMISSION_DENIED.withDescription("client '" + clientId + "' was revoked"));
    }
  }

  @Override
  public List<String> clients() {
    return sessions.values().stream()
        .filter(s -> s.isOpen() && registry.isAllowed(s.clientId()))
        .map(ClientSession::clientId)
        .sorted()
        .toList();
  }

  @Override
  public RoundResult send(List<Instruction> instructions, Duration deadline) {
    long start = System.nanoTime();
    long deadlineNanos = start + deadline.toNanos();
    Set<String> seen = new HashSet<>();
    for (Instruction in : instructions) {
      if (!seen.add(in.clientId())) {
        throw new IllegalArgumentException("two instructions for client '" + in.clientId() + "'");
      }
    }
    List<ClientSession> targets = new ArrayList<>();
    List<ClientSession.Pending> pendings = new ArrayList<>();
    for (Instruction in : instructions) {
      ClientSession s = registry.isAllowed(in.clientId()) ? sessions.get(in.clientId()) : null;
      targets.add(s);
      pendings.add(s == null ? null : s.submit(in, messageIds.incrementAndGet()));
    }
    List<Reply> replies = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    List<ClientStats> stats = new ArrayList<>();
    for (int i = 0; i < instructions.size(); i++) {
      String id = instructions.get(i).clientId();
      ClientSession.Pending p = pendings.get(i);
      if (p == null) {
        if (registry.isAllowed(id)) {
          failures.add(
              new Failure(id, Failure.Kind.DROPPED, "client '" + id + "' is not connected"));
        } else {
          String why = registry.isRegistered(id) ? "is revoked" : "is not registered";
          failures.add(new Failure(id, Failure.Kind.UNKNOWN_CLIENT, "client '" + id + "' " + why));
        }
        stats.add(new ClientStats(id, 0, 0, 0));
        continue;
      }
      try {
        ClientSession.Outcome o =
            p.outcome.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        long local =
            o.failure() == null || o.localNanos() > 0 ? o.localNanos() : System.nanoTime() - start;
        stats.add(new ClientStats(id, p.bytesDown.get(), o.bytesUp(), local));
        if (o.reply() != null) {
          replies.add(o.reply());
        } else {
          failures.add(o.failure());
        }
      } catch (TimeoutException e) {
        targets.get(i).cancel(p);
        failures.add(new Failure(id, Failure.Kind.TIMEOUT, "no reply within deadline " + deadline));
        stats.add(new ClientStats(id, p.bytesDown.get(), 0, System.nanoTime() - start));
      } catch (ExecutionException e) {
        throw new IllegalStateException("outcome future failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        for (int j = 0; j < pendings.size(); j++) {
          if (pendings.get(j) != null) {
            targets.get(j).cancel(pendings.get(j));
          }
        }
        throw new IllegalStateException("interrupted while waiting for round replies", e);
      }
    }
    return new RoundResult(replies, failures, stats);
  }

  /**
   * Tells every connected client that the run is over (their streams complete normally, so {@link
   * GrpcClient}s stop instead of reconnecting, see {@link GrpcClient#finished()}); call before
   * {@link #close()}.
   */
  public void finish() {
    for (ClientSession s : List.copyOf(sessions.values())) {
      s.close(Status.OK);
    }
  }

  /** Closes all client streams and stops the server. */
  @Override
  public void close() {
    for (ClientSession s : List.copyOf(sessions.values())) {
      s.close(Status.UNAVAILABLE.withDescription("server shutting down"));
    }
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

  private static final Context.Key<String> PEER_CN = Context.key("p4j-peer-cn");

  private final class Service extends FederatedServiceGrpc.FederatedServiceImplBase {
    @Override
    public StreamObserver<ClientMessage> connect(StreamObserver<ServerMessage> responses) {
      return new ClientSession(
          GrpcGrid.this, (ServerCallStreamObserver<ServerMessage>) responses, PEER_CN.get());
    }
  }

  /** Puts the common name of the TLS client certificate (if any) into the call's context. */
  private static final class PeerCertificate implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      String cn = ssl == null ? null : commonName(ssl);
      return Contexts.interceptCall(Context.current().withValue(PEER_CN, cn), call, headers, next);
    }
  }

  /** The CN of the peer's leaf certificate, or null if it presented none. */
  static String commonName(SSLSession ssl) {
    try {
      Certificate[] chain = ssl.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
        return null;
      }
      LdapName name = new LdapName(x.getSubjectX500Principal().getName());
      for (Rdn rdn : name.getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return String.valueOf(rdn.getValue());
        }
      }
      return null;
    } catch (SSLPeerUnverifiedException | InvalidNameException e) {
      return null;
    }
  }
}
