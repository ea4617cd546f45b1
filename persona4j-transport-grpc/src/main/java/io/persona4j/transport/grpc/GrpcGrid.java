/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
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
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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
 *
 * <p>Hostile clients: a client's session ends at once on any transport error, malformed message,
 * protocol violation or resource error, failing its pending instruction immediately (the round goes
 * on without waiting for the deadline); replies are bounded by what their instruction expects and
 * by a global budget, refused at the header; connections are bounded in time and number and failed
 * logins throttled per address ({@link GrpcGridConfig}); every such event goes to the {@link
 * ConnectionEvents} once. Allowed clients can change on the running server ({@link #revoke}, {@link
 * #syncClients}, {@link TokensFileWatcher}).
 */
public final class GrpcGrid implements Grid, AutoCloseable {

  private final GrpcGridConfig config;
  private final ClientRegistry registry;
  private final ConnectionEvents events;
  private final ReplyBudget budget;
  private final LoginThrottle throttle;
  private final ConnectionLimiter limiter;
  private final ScheduledExecutorService scheduler;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Server server;
  private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
  private final AtomicLong messageIds = new AtomicLong();
  private volatile Consumer<ClientMessage> fault = m -> {};

  private GrpcGrid(
      GrpcGridConfig config,
      ClientRegistry registry,
      ServerCredentials credentials,
      ConnectionEvents events)
      throws IOException {
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.events = Objects.requireNonNull(events, "events");
    this.budget = new ReplyBudget(config.maxBytesInFlight());
    this.throttle = new LoginThrottle(config.loginThrottle());
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("p4j-grid-timers").factory());
    this.limiter =
        new ConnectionLimiter(
            config.maxConnectionsPerAddress(),
            config.maxConnections(),
            config.idleTimeout(),
            scheduler,
            events);
    this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.workers =
        new MultiThreadIoEventLoopGroup(
            Math.max(2, Runtime.getRuntime().availableProcessors()), NioIoHandler.newFactory());
    MethodDescriptor<Inbound, ServerMessage> connect =
        FederatedServiceGrpc.getConnectMethod().toBuilder(
                Inbound.MARSHALLER, ProtoUtils.marshaller(ServerMessage.getDefaultInstance()))
            .build();
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(FederatedServiceGrpc.SERVICE_NAME)
            .addMethod(
                connect,
                ServerCalls.asyncBidiStreamingCall(
                    responses ->
                        new ClientSession(
                            this,
                            (ServerCallStreamObserver<ServerMessage>) responses,
                            PEER_CN.get(),
                            PEER_ADDRESS.get())))
            .build();
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.bindHost(), config.port()), credentials)
            .channelFactory(limiter::newServerChannel)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .addService(ServerInterceptors.intercept(service, new PeerIdentity()))
            .handshakeTimeout(config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .maxConnectionIdle(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveTime(config.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(config.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(false)
            .maxConcurrentCallsPerConnection(config.maxStreamsPerConnection())
            .maxInboundMessageSize(GrpcGridConfig.MAX_MESSAGE_BYTES)
            .maxInboundMetadataSize(16 << 10)
            .maxRstFramesPerWindow(200, 10);
    if (config.maxConnectionAge() != null) {
      b.maxConnectionAge(config.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS);
    }
    if (config.maxConnectionAgeGrace() != null) {
      b.maxConnectionAgeGrace(config.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS);
    }
    Server started;
    try {
      started = b.build().start();
    } catch (IOException | RuntimeException e) {
      shutdownExecutors();
      throw e;
    }
    this.server = started;
  }

  /**
   * Starts the server; connection events are logged ({@link ConnectionEvents#logging()}).
   *
   * @param credentials {@code InsecureServerCredentials.create()} or {@link TlsCredentials#server}
   */
  public static GrpcGrid start(
      GrpcGridConfig config, ClientRegistry registry, ServerCredentials credentials)
      throws IOException {
    return new GrpcGrid(config, registry, credentials, ConnectionEvents.logging());
  }

  /** Starts the server, reporting connection events to {@code events}. */
  public static GrpcGrid start(
      GrpcGridConfig config,
      ClientRegistry registry,
      ServerCredentials credentials,
      ConnectionEvents events)
      throws IOException {
    return new GrpcGrid(config, registry, credentials, events);
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

  ConnectionEvents events() {
    return events;
  }

  ReplyBudget budget() {
    return budget;
  }

  LoginThrottle throttle() {
    return throttle;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  ConnectionLimiter connections() {
    return limiter;
  }

  /** Bytes of replies announced and not yet delivered (for tests and monitoring). */
  public long bytesInFlight() {
    return budget.used();
  }

  /** Tests: runs {@code f} before each message of an authenticated stream is handled. */
  void injectFault(Consumer<ClientMessage> f) {
    this.fault = f == null ? m -> {} : f;
  }

  void beforeHandling(ClientMessage m) {
    fault.accept(m);
  }

  void attach(ClientSession s) {
    ClientSession old = sessions.put(s.clientId(), s);
    if (old != null && old != s) {
      old.close(
          Status.ABORTED.withDescription("superseded by a new connection"),
          "superseded by a new connection of the same client");
    }
  }

  void detach(ClientSession s) {
    if (s.clientId() != null) {
      sessions.remove(s.clientId(), s);
    }
  }

  /** Revokes a client in the registry and closes its connection (at once, mid-round too). */
  public void revoke(String clientId) {
    registry.revoke(clientId);
    disconnect(clientId, "revoked");
    events.clientsChanged("revoked '" + clientId + "'");
  }

  /**
   * Makes the allowed clients exactly {@code tokens} (client id to token) on the running server:
   * new ids may connect, ids no longer listed are revoked, and the connections of revoked clients
   * and of clients whose token changed are closed at once (a pending instruction fails
   * immediately). What {@link TokensFileWatcher} calls when the tokens file changes.
   *
   * @return what changed
   */
  public ClientRegistry.Changes syncClients(Map<String, String> tokens) {
    ClientRegistry.Changes c = registry.sync(tokens);
    for (String id : c.revoked()) {
      disconnect(id, "revoked");
    }
    for (String id : c.tokenChanged()) {
      disconnect(id, "token changed");
    }
    if (!c.isEmpty()) {
      events.clientsChanged(c.toString());
    }
    return c;
  }

  private void disconnect(String clientId, String why) {
    ClientSession s = sessions.get(clientId);
    if (s != null) {
      s.close(
          Status.PERMISSION_DENIED.withDescription("client '" + clientId + "' was " + why),
          "client " + why);
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
      s.close(Status.OK, "the run finished");
    }
  }

  /** Closes all client streams and stops the server. */
  @Override
  public void close() {
    for (ClientSession s : List.copyOf(sessions.values())) {
      s.close(Status.UNAVAILABLE.withDescription("server shutting down"), "server shutting down");
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      shutdownExecutors();
    }
  }

  private void shutdownExecutors() {
    scheduler.shutdownNow();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private static final Context.Key<String> PEER_CN = Context.key("p4j-peer-cn");
  private static final Context.Key<InetSocketAddress> PEER_ADDRESS =
      Context.key("p4j-peer-address");

  /**
   * Puts the common name of the TLS client certificate (if any) and the remote address into the
   * call's context.
   */
  private static final class PeerIdentity implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      String cn = ssl == null ? null : commonName(ssl);
      InetSocketAddress address =
          call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) instanceof InetSocketAddress a
              ? a
              : null;
      return Contexts.interceptCall(
          Context.current().withValue(PEER_CN, cn).withValue(PEER_ADDRESS, address),
          call,
          headers,
          next);
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
