/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

/** The engine's waiting queue is full: the caller should retry later (HTTP 429). */
public final class QueueFullException extends Exception {
  private final int queued;

  public QueueFullException(int queued) {
    super(queued + " sequences are already waiting; retry later");
    this.queued = queued;
  }

  /** How many sequences were waiting. */
  public int queued() {
    return queued;
  }
}
