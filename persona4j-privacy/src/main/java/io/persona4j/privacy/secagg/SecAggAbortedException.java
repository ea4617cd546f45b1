/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

/** Thrown when a round aborts because fewer than the threshold of clients survived a stage. */
public final class SecAggAbortedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An abort with a human-readable reason (stage, survivors, threshold). */
  public SecAggAbortedException(String reason) {
    super(reason);
  }
}
