/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.List;
import java.util.Set;

/**
 * Configures rounds and aggregates replies into a new {@link ServerState}. Implementations are
 * deterministic functions of their arguments (the server handles sampling, deadlines, validation
 * and retries), so a resumed run reproduces an uninterrupted one.
 */
public interface Strategy {

  /** One FIT instruction per sampled client for {@code round}. */
  List<Instruction> configureRound(int round, ServerState state, List<String> sampledClients);

  /**
   * The state after {@code round} from the validated replies (at least the configured minimum) and
   * the failures of this round; {@code state} is the state before the round and is not modified.
   */
  ServerState aggregate(int round, List<Reply> replies, List<Failure> failures, ServerState state);

  /** Metrics every reply must carry (finite) to be valid, e.g. {@code loss} for FELLRec. */
  default Set<String> requiredMetrics() {
    return Set.of();
  }

  /**
   * The state a stateful strategy (or decorator, e.g. a DP accountant) keeps beyond {@link
   * ServerState}, serialized as text, stored with each round's checkpoint; empty for strategies
   * that are pure functions of their arguments. Decorators include their inner strategy's state.
   */
  default String checkpointState() {
    return "";
  }

  /**
   * Restores the state written by {@link #checkpointState()} when a run resumes from a checkpoint.
   *
   * @throws IllegalArgumentException if the text is malformed or does not belong to this strategy
   */
  default void restoreState(String state) {
    if (state != null && !state.isEmpty()) {
      throw new IllegalArgumentException(
          getClass().getName()
              + " keeps no state, but the checkpoint carries strategy state of "
              + state.length()
              + " characters: was it written by another strategy?");
    }
  }
}
