/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Immutable server state after a completed round: the global parameters and, for personalized
 * strategies, one parameter set per client.
 *
 * @param round the last completed round (0 before the first)
 * @param global the global parameters (for a personalized strategy: the initial parameters, used
 *     for clients without personal state)
 * @param personalized per-client parameters, sorted by client id; empty for global strategies
 */
public record ServerState(int round, ParameterSet global, Map<String, ParameterSet> personalized) {

  /** Validates the fields and copies the map. */
  public ServerState {
    if (round < 0) {
      throw new IllegalArgumentException("round must be >= 0, got " + round);
    }
    Objects.requireNonNull(global, "global");
    TreeMap<String, ParameterSet> copy =
        new TreeMap<>(personalized == null ? Map.of() : personalized);
    for (Map.Entry<String, ParameterSet> e : copy.entrySet()) {
      e.getValue()
          .layoutMismatch(global)
          .ifPresent(
              r -> {
                throw new IllegalArgumentException(
                    "personalized parameters of client '" + e.getKey() + "': " + r);
              });
    }
    personalized = Collections.unmodifiableMap(copy);
  }

  /** The initial state (round 0) with global parameters only. */
  public static ServerState initial(ParameterSet global) {
    return new ServerState(0, global, Map.of());
  }

  /** The parameters a client starts from: its personal set if any, else the global one. */
  public ParameterSet parametersFor(String clientId) {
    return personalized.getOrDefault(clientId, global);
  }
}
