package io.persona4j.transport.grpc;

import java.util.Objects;

/**
 * Settings of a {@link GrpcClient}.
 *
 * @param host server host
 * @param port server port
 * @param clientId this client's id
 * @param token this client's bearer token (never printed by {@link #toString()})
 * @param chunkBytes float data per reply chunk, a positive multiple of 4, at most 2 MiB
 * @param maxPayloadBytes largest instruction payload accepted from the server
 * @param backoff reconnection backoff
 * @param authority TLS authority (host name checked against the server certificate), or null for
 *     {@code host}
 */
public record GrpcClientConfig(
    String host,
    int port,
    String clientId,
    String token,
    int chunkBytes,
    long maxPayloadBytes,
    Backoff backoff,
    String authority) {

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
  }

  /** Defaults: 1 MiB chunks, 4 GiB payload bound, {@link Backoff#defaults()}, no authority. */
  public static GrpcClientConfig of(String host, int port, String clientId, String token) {
    return new GrpcClientConfig(
        host,
        port,
        clientId,
        token,
        TensorChunker.DEFAULT_CHUNK_BYTES,
        4L << 30,
        Backoff.defaults(),
        null);
  }

  /** A copy with another backoff. */
  public GrpcClientConfig withBackoff(Backoff b) {
    return new GrpcClientConfig(
        host, port, clientId, token, chunkBytes, maxPayloadBytes, b, authority);
  }

  /** A copy with another TLS authority. */
  public GrpcClientConfig withAuthority(String a) {
    return new GrpcClientConfig(
        host, port, clientId, token, chunkBytes, maxPayloadBytes, backoff, a);
  }

  @Override
  public String toString() {
    return "GrpcClientConfig[" + host + ":" + port + ", clientId=" + clientId + ", token=***]";
  }
}
