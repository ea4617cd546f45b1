/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

/** Why a sequence left the batch. */
public enum FinishReason {
  /** It produced one of its stop tokens (the token is reported). */
  STOP,
  /** It produced its maximum number of new tokens. */
  LENGTH,
  /** Its caller cancelled it (e.g. the client disconnected), or the engine shut down. */
  CANCELLED,
  /** A forward pass or its adapter failed; the listener gets the error. */
  ERROR
}
