/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.device;

import io.persona4j.steer.proto.CloudInfo;

/** How a device reaches a cloud logits service: over gRPC, or in the same process. */
public interface CloudConnector extends AutoCloseable {

  /**
   * The cloud's public facts (vocabulary, caps).
   *
   * @throws io.persona4j.steer.SteerSessionException when the cloud refuses this client or cannot
   *     be reached
   */
  CloudInfo describe();

  /** A new session's transport. */
  CloudLink openLink();

  /** The client id and token this connector presents (token never printed). */
  Credentials credentials();

  /** A client id and its bearer token. */
  record Credentials(String clientId, String token) {
    public Credentials {
      clientId = clientId == null ? "" : clientId;
      token = token == null ? "" : token;
    }

    @Override
    public String toString() {
      return "Credentials[" + clientId + ", token=***]";
    }
  }

  @Override
  void close();
}
