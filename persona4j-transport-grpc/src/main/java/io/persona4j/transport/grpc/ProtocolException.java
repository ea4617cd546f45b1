/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

/** A peer sent messages that violate the wire protocol (bad order, sizes, shapes or fields). */
public final class ProtocolException extends Exception {

  /** With a message naming what is wrong. */
  public ProtocolException(String message) {
    super(message);
  }

  /** With a message and the cause. */
  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
