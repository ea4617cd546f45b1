/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link GrpcGrid} server: where it listens, how replies are bounded, and how long
 * and how many connections it keeps. Build with {@link #builder()}:
 *
 * <pre>{@code
 * GrpcGridConfig c = GrpcGridConfig.builder().setBindHost("0.0.0.0").setPort(7443)
 *     .optHelloTimeout(Duration.ofSeconds(10)).optMaxConnectionsPerAddress(16).build();
 * }</pre>
 *
 * <p>Memory: a reply is accepted only against an instruction that is outstanding, and only if its
 * header announces at most what that instruction expects ({@link
 * io.persona4j.federated.Instruction#maxReplyValues()} floats) plus {@code replyOverheadBytes}; the
 * bytes announced by all replies being received are reserved against {@code maxBytesInFlight} (a
 * reply that does not fit is refused and its data discarded unread); arrays grow only as data
 * arrives. Connections: a TCP connection must finish its TLS/HTTP/2 handshake within {@code
 * handshakeTimeout}, a stream must authenticate within {@code helloTimeout}, a connection without a
 * stream is closed after {@code idleTimeout}, silent peers are detected by keepalive pings, an
 * address holds at most {@code maxConnectionsPerAddress} connections (of at most {@code
 * maxConnections}) with at most {@code maxStreamsPerConnection} streams each, and failed logins
 * from an address are delayed exponentially ({@link LoginThrottle}).
 *
 * @param bindHost address to listen on, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
 * @param port port, 0 for an ephemeral one
 * @param chunkBytes float data per instruction chunk, a positive multiple of 4, at most 2 MiB
 *     (default 1 MiB)
 * @param replyOverheadBytes what a reply may announce beyond its instruction's expected values,
 *     {@code >= 0} (default 64 KiB)
 * @param maxBytesInFlight the most reply bytes announced and not yet delivered, over all clients,
 *     {@code >= 1} (default a quarter of the maximum heap, at most 1 GiB)
 * @param helloTimeout time a new stream has to send its hello, {@code > 0} (default 10 s)
 * @param handshakeTimeout time a new connection has to finish the TLS and HTTP/2 handshakes, {@code
 *     > 0} (default 10 s)
 * @param idleTimeout a connection without an open stream is closed after this, {@code > 0} (default
 *     30 s)
 * @param keepAliveTime the server pings a connection silent for this long, {@code > 0} (default 60
 *     s)
 * @param keepAliveTimeout and closes it if the ping is not answered within this, {@code > 0}
 *     (default 20 s)
 * @param maxConnectionAge connections older than this are asked to reconnect (GOAWAY; the open
 *     stream may finish within {@code maxConnectionAgeGrace}), or null for no limit (the default: a
 *     client's one stream lives for the whole run)
 * @param maxConnectionAgeGrace time an open stream may go on after its connection's age ran out, or
 *     null for no limit (the default)
 * @param maxConnectionsPerAddress TCP connections one remote address may hold, {@code >= 1}
 *     (default 16; further ones are closed at once)
 * @param maxConnections TCP connections in all, {@code >= 1} (default 1024)
 * @param maxStreamsPerConnection concurrent streams on one connection, {@code >= 1} (default 4; a
 *     client uses one)
 * @param loginThrottle delays of failed logins (default {@link LoginThrottle.Settings#defaults()})
 */
public record GrpcGridConfig(
    String bindHost,
    int port,
    int chunkBytes,
    long replyOverheadBytes,
    long maxBytesInFlight,
    Duration helloTimeout,
    Duration handshakeTimeout,
    Duration idleTimeout,
    Duration keepAliveTime,
    Duration keepAliveTimeout,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace,
    int maxConnectionsPerAddress,
    int maxConnections,
    int maxStreamsPerConnection,
    LoginThrottle.Settings loginThrottle) {

  /** Largest inbound gRPC message: a 2 MiB chunk plus its framing. */
  static final int MAX_MESSAGE_BYTES = (2 << 20) + (64 << 10);

  /** Validates the fields; errors name the field and the value. */
  public GrpcGridConfig {
    if (bindHost == null || bindHost.isBlank()) {
      throw new IllegalArgumentException("bindHost must be non-blank, got " + bindHost);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (chunkBytes < 4 || chunkBytes % 4 != 0 || chunkBytes > (2 << 20)) {
      throw new IllegalArgumentException(
          "chunkBytes must be a multiple of 4 in [4, 2 MiB], got " + chunkBytes);
    }
    if (replyOverheadBytes < 0) {
      throw new IllegalArgumentException(
          "replyOverheadBytes must be >= 0, got " + replyOverheadBytes);
    }
    if (maxBytesInFlight < 1) {
      throw new IllegalArgumentException("maxBytesInFlight must be >= 1, got " + maxBytesInFlight);
    }
    positive("helloTimeout", helloTimeout);
    positive("handshakeTimeout", handshakeTimeout);
    positive("idleTimeout", idleTimeout);
    positive("keepAliveTime", keepAliveTime);
    positive("keepAliveTimeout", keepAliveTimeout);
    if (maxConnectionAge != null) {
      positive("maxConnectionAge", maxConnectionAge);
    }
    if (maxConnectionAgeGrace != null && maxConnectionAgeGrace.isNegative()) {
      throw new IllegalArgumentException(
          "maxConnectionAgeGrace must be >= 0, got " + maxConnectionAgeGrace);
    }
    if (maxConnectionsPerAddress < 1) {
      throw new IllegalArgumentException(
          "maxConnectionsPerAddress must be >= 1, got " + maxConnectionsPerAddress);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
    }
    if (maxStreamsPerConnection < 1) {
      throw new IllegalArgumentException(
          "maxStreamsPerConnection must be >= 1, got " + maxStreamsPerConnection);
    }
    Objects.requireNonNull(loginThrottle, "loginThrottle");
  }

  private static void positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + " must be > 0, got " + d);
    }
  }

  /** Loopback on {@code port} with every other setting at its default. */
  public static GrpcGridConfig loopback(int port) {
    return builder().setBindHost("127.0.0.1").setPort(port).build();
  }

  /** The default of {@link #maxBytesInFlight()}: a quarter of the heap, at most 1 GiB. */
  public static long defaultMaxBytesInFlight() {
    return Math.max(1L << 20, Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4));
  }

  /** A builder: bind host and port required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.bindHost = bindHost;
    b.port = port;
    b.chunkBytes = chunkBytes;
    b.replyOverheadBytes = replyOverheadBytes;
    b.maxBytesInFlight = maxBytesInFlight;
    b.helloTimeout = helloTimeout;
    b.handshakeTimeout = handshakeTimeout;
    b.idleTimeout = idleTimeout;
    b.keepAliveTime = keepAliveTime;
    b.keepAliveTimeout = keepAliveTimeout;
    b.maxConnectionAge = maxConnectionAge;
    b.maxConnectionAgeGrace = maxConnectionAgeGrace;
    b.maxConnectionsPerAddress = maxConnectionsPerAddress;
    b.maxConnections = maxConnections;
    b.maxStreamsPerConnection = maxStreamsPerConnection;
    b.loginThrottle = loginThrottle;
    return b;
  }

  /** Builds a {@link GrpcGridConfig}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private String bindHost;
    private Integer port;
    private int chunkBytes = TensorChunker.DEFAULT_CHUNK_BYTES;
    private long replyOverheadBytes = 64 << 10;
    private long maxBytesInFlight = defaultMaxBytesInFlight();
    private Duration helloTimeout = Duration.ofSeconds(10);
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofSeconds(30);
    private Duration keepAliveTime = Duration.ofSeconds(60);
    private Duration keepAliveTimeout = Duration.ofSeconds(20);
    private Duration maxConnectionAge;
    private Duration maxConnectionAgeGrace;
    private int maxConnectionsPerAddress = 16;
    private int maxConnections = 1024;
    private int maxStreamsPerConnection = 4;
    private LoginThrottle.Settings loginThrottle = LoginThrottle.Settings.defaults();

    private Builder() {}

    /** Address to listen on (required). */
    public Builder setBindHost(String bindHost) {
      this.bindHost = bindHost;
      return this;
    }

    /** Port, 0 for an ephemeral one (required). */
    public Builder setPort(int port) {
      this.port = port;
      return this;
    }

    /** Float data per instruction chunk (default 1 MiB). */
    public Builder optChunkBytes(int chunkBytes) {
      this.chunkBytes = chunkBytes;
      return this;
    }

    /** What a reply may announce beyond its expected values (default 64 KiB). */
    public Builder optReplyOverheadBytes(long replyOverheadBytes) {
      this.replyOverheadBytes = replyOverheadBytes;
      return this;
    }

    /** Reply bytes in flight over all clients (default a quarter of the heap, at most 1 GiB). */
    public Builder optMaxBytesInFlight(long maxBytesInFlight) {
      this.maxBytesInFlight = maxBytesInFlight;
      return this;
    }

    /** Time a stream has to authenticate (default 10 s). */
    public Builder optHelloTimeout(Duration helloTimeout) {
      this.helloTimeout = helloTimeout;
      return this;
    }

    /** Time a connection has to finish its handshakes (default 10 s). */
    public Builder optHandshakeTimeout(Duration handshakeTimeout) {
      this.handshakeTimeout = handshakeTimeout;
      return this;
    }

    /** A connection without a stream is closed after this (default 30 s). */
    public Builder optIdleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    /** Keepalive ping interval of a silent connection (default 60 s). */
    public Builder optKeepAliveTime(Duration keepAliveTime) {
      this.keepAliveTime = keepAliveTime;
      return this;
    }

    /** Time a keepalive ping has to be answered (default 20 s). */
    public Builder optKeepAliveTimeout(Duration keepAliveTimeout) {
      this.keepAliveTimeout = keepAliveTimeout;
      return this;
    }

    /** Maximum connection age (default none). */
    public Builder optMaxConnectionAge(Duration maxConnectionAge) {
      this.maxConnectionAge = maxConnectionAge;
      return this;
    }

    /** Grace for a stream on a connection past its age (default none). */
    public Builder optMaxConnectionAgeGrace(Duration maxConnectionAgeGrace) {
      this.maxConnectionAgeGrace = maxConnectionAgeGrace;
      return this;
    }

    /** Connections per remote address (default 16). */
    public Builder optMaxConnectionsPerAddress(int maxConnectionsPerAddress) {
      this.maxConnectionsPerAddress = maxConnectionsPerAddress;
      return this;
    }

    /** Connections in all (default 1024). */
    public Builder optMaxConnections(int maxConnections) {
      this.maxConnections = maxConnections;
      return this;
    }

    /** Concurrent streams per connection (default 4). */
    public Builder optMaxStreamsPerConnection(int maxStreamsPerConnection) {
      this.maxStreamsPerConnection = maxStreamsPerConnection;
      return this;
    }

    /** Failed-login delays (default {@link LoginThrottle.Settings#defaults()}). */
    public Builder optLoginThrottle(LoginThrottle.Settings loginThrottle) {
      this.loginThrottle = loginThrottle;
      return this;
    }

    /** The validated config. */
    public GrpcGridConfig build() {
      if (port == null) {
        throw new IllegalArgumentException("setPort is required");
      }
      return new GrpcGridConfig(
          bindHost,
          port,
          chunkBytes,
          replyOverheadBytes,
          maxBytesInFlight,
          helloTimeout,
          handshakeTimeout,
          idleTimeout,
          keepAliveTime,
          keepAliveTimeout,
          maxConnectionAge,
          maxConnectionAgeGrace,
          maxConnectionsPerAddress,
          maxConnections,
          maxStreamsPerConnection,
          loginThrottle);
    }
  }
}
