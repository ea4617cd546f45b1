/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link GrpcClient}. Build with {@link #builder()}:
 *
 * <pre>{@code
 * GrpcClientConfig c = GrpcClientConfig.builder().setHost("fed.example.org").setPort(7443)
 *     .setClientId("alice").setToken(token).optGiveUpAfter(Duration.ofMinutes(10)).build();
 * }</pre>
 *
 * @param host server host
 * @param port server port
 * @param clientId this client's id
 * @param token this client's bearer token (never printed by {@link #toString()})
 * @param chunkBytes float data per reply chunk, a positive multiple of 4, at most 2 MiB (default 1
 *     MiB)
 * @param maxPayloadBytes largest instruction payload accepted from the server (default 4 GiB)
 * @param backoff reconnection backoff (default {@link Backoff#defaults()})
 * @param authority TLS authority (host name checked against the server certificate), or null for
 *     {@code host} (the default)
 * @param giveUpAfter how long the client keeps trying to reach a server it cannot connect to
 *     (counted from its start, or from the last time it was connected) before it stops with {@link
 *     GrpcClient#gaveUp()}; null or zero: never gives up (the default)
 */
public record GrpcClientConfig(
    String host,
    int port,
    String clientId,
    String token,
    int chunkBytes,
    long maxPayloadBytes,
    Backoff backoff,
    String authority,
    Duration giveUpAfter) {

  /** Validates the fields. */
  public GrpcClientConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must be non-blank, got " + host);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be in [1, 65535], got " + port);
    }
    if (clientId == null || clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must be non-blank, got " + clientId);
    }
    Objects.requireNonNull(token, "token");
    if (chunkBytes < 4 || chunkBytes % 4 != 0 || chunkBytes > (2 << 20)) {
      throw new IllegalArgumentException(
          "chunkBytes must be a multiple of 4 in [4, 2 MiB], got " + chunkBytes);
    }
    if (maxPayloadBytes < 0) {
      throw new IllegalArgumentException("maxPayloadBytes must be >= 0, got " + maxPayloadBytes);
    }
    Objects.requireNonNull(backoff, "backoff");
    if (giveUpAfter != null && giveUpAfter.isNegative()) {
      throw new IllegalArgumentException("giveUpAfter must be >= 0, got " + giveUpAfter);
    }
  }

  /** Whether the client ever gives up reaching the server. */
  public boolean givesUp() {
    return giveUpAfter != null && !giveUpAfter.isZero();
  }

  @Override
  public String toString() {
    return "GrpcClientConfig[" + host + ":" + port + ", clientId=" + clientId + ", token=***]";
  }

  /** A builder: host, port, client id and token required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link GrpcClientConfig}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private String host;
    private Integer port;
    private String clientId;
    private String token;
    private int chunkBytes = TensorChunker.DEFAULT_CHUNK_BYTES;
    private long maxPayloadBytes = 4L << 30;
    private Backoff backoff = Backoff.defaults();
    private String authority;
    private Duration giveUpAfter;

    private Builder() {}

    /** Server host (required). */
    public Builder setHost(String host) {
      this.host = host;
      return this;
    }

    /** Server port (required). */
    public Builder setPort(int port) {
      this.port = port;
      return this;
    }

    /** This client's id (required). */
    public Builder setClientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    /** This client's token (required). */
    public Builder setToken(String token) {
      this.token = token;
      return this;
    }

    /** Float data per reply chunk (default 1 MiB). */
    public Builder optChunkBytes(int chunkBytes) {
      this.chunkBytes = chunkBytes;
      return this;
    }

    /** Largest instruction payload accepted (default 4 GiB). */
    public Builder optMaxPayloadBytes(long maxPayloadBytes) {
      this.maxPayloadBytes = maxPayloadBytes;
      return this;
    }

    /** Reconnection backoff (default {@link Backoff#defaults()}). */
    public Builder optBackoff(Backoff backoff) {
      this.backoff = backoff;
      return this;
    }

    /** Host name expected in the server certificate (default the host). */
    public Builder optAuthority(String authority) {
      this.authority = authority;
      return this;
    }

    /** How long to keep trying an unreachable server (default: forever). */
    public Builder optGiveUpAfter(Duration giveUpAfter) {
      this.giveUpAfter = giveUpAfter;
      return this;
    }

    /** The validated config. */
    public GrpcClientConfig build() {
      if (port == null) {
        throw new IllegalArgumentException("setPort is required");
      }
      return new GrpcClientConfig(
          host,
          port,
          clientId,
          token,
          chunkBytes,
          maxPayloadBytes,
          backoff,
          authority,
          giveUpAfter);
    }
  }
}
