/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.persona4j.transport.grpc.TlsCredentials;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The channel credentials of a gRPC client command ({@code fed client}, {@code steer generate
 * --cloud}) from its {@code --trust}, {@code --key-store} and {@code --key-store-password} flags.
 */
final class ClientTls {
  private ClientTls() {}

  /**
   * Plaintext without {@code trust}; TLS trusting {@code trust}, mutual TLS with {@code keyStore}.
   *
   * @throws IllegalArgumentException if {@code keyStore} is given without {@code trust}
   */
  static ChannelCredentials credentials(Path trust, Path keyStore, String keyStorePassword)
      throws IOException {
    if (keyStore != null && trust == null) {
      throw new IllegalArgumentException("--key-store (mutual TLS) needs --trust (TLS)");
    }
    if (trust == null) {
      return InsecureChannelCredentials.create();
    }
    char[] pw = keyStorePassword.toCharArray();
    return TlsCredentials.client(
        TlsCredentials.loadTrustStore(trust, pw),
        keyStore == null ? null : TlsCredentials.loadPkcs12(keyStore, pw),
        pw);
  }
}
