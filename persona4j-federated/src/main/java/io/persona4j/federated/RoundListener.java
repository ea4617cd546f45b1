/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

/**
 * Told about every record a {@link FederatedServer} writes to its accounting log, after it is
 * written: each round attempt (for a successful one, after its checkpoint is committed) and a
 * restart from a checkpoint. Progress lines, charts and metrics exporters listen here. Called on
 * the server's thread; an exception thrown here stops the run.
 */
@FunctionalInterface
public interface RoundListener {
  /** A record was written (or would have been, when the server keeps no log). */
  void onRecord(AccountingRecord record);
}
