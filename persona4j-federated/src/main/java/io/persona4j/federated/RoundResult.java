/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.List;

/**
 * What came back from one {@link Grid#send}: the replies that arrived in time, the clients that
 * failed, and per-client accounting for every addressed client.
 *
 * @param replies replies received before the deadline (including error replies)
 * @param failures clients that did not reply in time, dropped, or were unknown
 * @param stats accounting of every addressed client
 */
public record RoundResult(List<Reply> replies, List<Failure> failures, List<ClientStats> stats) {

  /** Copies the lists. */
  public RoundResult {
    replies = List.copyOf(replies);
    failures = List.copyOf(failures);
    stats = List.copyOf(stats);
  }
}
