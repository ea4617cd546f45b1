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
 * A message from the server to one client for one round.
 *
 * @param task what the client should do
 * @param round the round number, {@code >= 1}
 * @param clientId the addressed client
 * @param parameters the parameters the client starts from
 * @param config scalar settings for the client (values are {@link String}, {@link Number} or {@link
 *     Boolean}), e.g. {@code proximal_mu} for FedProx
 */
public record Instruction(
    Task task, int round, String clientId, ParameterSet parameters, Map<String, Object> config) {

  /** What a client is asked to do. */
  public enum Task {
    /** Train locally and return updated parameters. */
    FIT,
    /** Evaluate the given parameters locally and return metrics. */
    EVALUATE
  }

  /** Validates and copies the config. */
  public Instruction {
    Objects.requireNonNull(task, "task");
    if (round < 1) {
      throw new IllegalArgumentException("round must be >= 1, got " + round);
    }
    if (clientId == null || clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must be non-blank, got " + clientId);
    }
    Objects.requireNonNull(parameters, "parameters");
    Map<String, Object> copy = new TreeMap<>();
    for (Map.Entry<String, Object> e :
        (config == null ? Map.<String, Object>of() : config).entrySet()) {
      Object v = e.getValue();
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw new IllegalArgumentException(
            "config value of '" + e.getKey() + "' must be a String, Number or Boolean, got " + v);
      }
      copy.put(e.getKey(), v);
    }
    config = Collections.unmodifiableMap(copy);
  }

  /** A FIT instruction. */
  public static Instruction fit(
      int round, String clientId, ParameterSet parameters, Map<String, Object> config) {
    return new Instruction(Task.FIT, round, clientId, parameters, config);
  }

  /** A numeric config value, or {@code defaultValue} if absent. */
  public double configDouble(String key, double defaultValue) {
    Object v = config.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("config '" + key + "' is not a number: " + v);
    }
    return n.doubleValue();
  }

  /** Approximate bytes sent to the client: the parameter encoding plus the config as text. */
  public long byteSize() {
    long n = parameters.byteSize();
    for (Map.Entry<String, Object> e : config.entrySet()) {
      n += e.getKey().length() + String.valueOf(e.getValue()).length() + 2;
    }
    return n;
  }
}
