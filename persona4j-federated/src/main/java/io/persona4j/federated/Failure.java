/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.Objects;

/**
 * One client that did not contribute to a round, and why.
 *
 * @param clientId the client
 * @param kind the category of failure
 * @param reason a human-readable explanation
 */
public record Failure(String clientId, Kind kind, String reason) {

  /** Failure categories. */
  public enum Kind {
    /** No reply before the round deadline (straggler). */
    TIMEOUT,
    /** The client application threw, or the connection dropped. */
    DROPPED,
    /** The client replied with an error message. */
    CLIENT_ERROR,
    /** The reply failed validation (layout, NaN/Inf, norm bound, metrics). */
    INVALID_REPLY,
    /** The grid does not know the addressed client. */
    UNKNOWN_CLIENT
  }

  /** Validates the fields. */
  public Failure {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(reason, "reason");
  }
}
