/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

/** A message refused by a secure-aggregation party; the party's state is unchanged. */
public final class SecAggRejection extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a message was refused. */
  public enum Reason {
    /** The message belongs to another stage than the current one. */
    WRONG_STAGE,
    /** The sender is not a client of the round, or not a survivor of the previous stage. */
    UNKNOWN_CLIENT,
    /** The sender already sent this stage's message. */
    DUPLICATE,
    /** A key, ciphertext, vector or share has the wrong size or a value out of range. */
    WRONG_SIZE,
    /** The content is inconsistent (wrong recipients, failed decryption, missing entries). */
    INVALID
  }

  private final Reason reason;

  /** A rejection with its reason and a message naming the offending field and value. */
  public SecAggRejection(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  /** The reason. */
  public Reason reason() {
    return reason;
  }
}
