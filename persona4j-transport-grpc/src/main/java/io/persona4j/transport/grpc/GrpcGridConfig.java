/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

/**
 * Settings of a {@link GrpcGrid} server.
 *
 * @param bindHost address to listen on, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
 * @param port port, 0 for an ephemeral one
 * @param chunkBytes float data per chunk, a positive multiple of 4, at most 2 MiB
 * @param maxPayloadBytes largest reply payload (float data) accepted from a client
 */
public record GrpcGridConfig(String bindHost, int port, int chunkBytes, long maxPayloadBytes) {

  /** Validates the fields. */
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
    if (maxPayloadBytes < 0) {
      throw new IllegalArgumentException("maxPayloadBytes must be >= 0, got " + maxPayloadBytes);
    }
  }

  /** Loopback on {@code port} with 1 MiB chunks and a 4 GiB payload bound. */
  public static GrpcGridConfig loopback(int port) {
    return new GrpcGridConfig("127.0.0.1", port, TensorChunker.DEFAULT_CHUNK_BYTES, 4L << 30);
  }
}
