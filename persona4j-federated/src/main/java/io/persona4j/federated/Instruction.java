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
 * @param maxReplyValues the most float values the reply may carry, {@code >= 0}: what the server
 *     expects back, so that a transport refuses a larger reply before receiving it (the gRPC grid
 *     refuses it at its header). Default ({@link #defaultReplyValues}): the values sent for FIT (a
 *     trained copy of the same parameters), 0 for EVALUATE (metrics only); protocols whose replies
 *     have another layout (secure aggregation, split learning) set it with {@link
 *     #withMaxReplyValues}. Not sent to the client.
 */
public record Instruction(
    Task task,
    int round,
    String clientId,
    ParameterSet parameters,
    Map<String, Object> config,
    long maxReplyValues) {

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
    if (maxReplyValues < 0) {
      throw new IllegalArgumentException("maxReplyValues must be >= 0, got " + maxReplyValues);
    }
  }

  /** An instruction whose reply may carry {@link #defaultReplyValues} values. */
  public Instruction(
      Task task, int round, String clientId, ParameterSet parameters, Map<String, Object> config) {
    this(
        task,
        round,
        clientId,
        parameters,
        config,
        defaultReplyValues(task, Objects.requireNonNull(parameters, "parameters")));
  }

  /** The values sent for FIT, 0 for EVALUATE. */
  public static long defaultReplyValues(Task task, ParameterSet parameters) {
    return task == Task.FIT ? parameters.numElements() : 0;
  }

  /** This instruction, with a reply of at most {@code values} float values expected. */
  public Instruction withMaxReplyValues(long values) {
    return new Instruction(task, round, clientId, parameters, config, values);
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
