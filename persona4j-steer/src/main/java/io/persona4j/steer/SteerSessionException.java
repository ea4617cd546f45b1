/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import java.util.Objects;

/**
 * A steering session ended abnormally: a malformed or out-of-order message from the other side, a
 * refusal (bad token, concurrency limit), a timeout or a broken connection. The message says which
 * side ended it and why; other sessions are not affected.
 */
public final class SteerSessionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a session ended. */
  public enum Code {
    /** A malformed or out-of-order message. */
    PROTOCOL,
    /** Unknown client, bad or revoked token. */
    UNAUTHENTICATED,
    /** The cloud's concurrency limit is reached. */
    BUSY,
    /** No message within the timeout. */
    TIMEOUT,
    /** A request beyond the cloud's caps (prompt or token limit). */
    LIMIT,
    /** The other side failed internally. */
    INTERNAL,
    /** The cloud is shutting down. */
    SHUTDOWN,
    /** The connection broke. */
    TRANSPORT
  }

  private final Code code;
  private final String reason;

  public SteerSessionException(Code code, String reason) {
    this(code, reason, null);
  }

  public SteerSessionException(Code code, String reason, Throwable cause) {
    super(code.name().toLowerCase(java.util.Locale.ROOT) + ": " + reason, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** A protocol violation. */
  public static SteerSessionException protocol(String reason) {
    return new SteerSessionException(Code.PROTOCOL, reason);
  }

  public Code code() {
    return code;
  }

  /** The reason without the code prefix. */
  public String reason() {
    return reason;
  }
}
