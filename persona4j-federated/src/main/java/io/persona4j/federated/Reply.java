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
 * A client's answer to one {@link Instruction}: either a result (parameters, sample count, metrics)
 * or an error message.
 *
 * @param clientId the replying client
 * @param round the round of the instruction answered
 * @param parameters the trained parameters (empty set for an evaluation); null iff {@code error}
 * @param numExamples number of local examples used (the FedAvg weight)
 * @param metrics named scalar metrics, e.g. {@code loss}
 * @param error the client's error message, or null on success
 */
public record Reply(
    String clientId,
    int round,
    ParameterSet parameters,
    long numExamples,
    Map<String, Double> metrics,
    String error) {

  /** Metric name of the final local training loss (FELLRec requires it). */
  public static final String LOSS = "loss";

  /** Validates and copies the metrics. */
  public Reply {
    Objects.requireNonNull(clientId, "clientId");
    if (numExamples < 0) {
      throw new IllegalArgumentException("numExamples must be >= 0, got " + numExamples);
    }
    if ((error == null) == (parameters == null)) {
      throw new IllegalArgumentException("exactly one of parameters and error must be set");
    }
    metrics = Collections.unmodifiableMap(new TreeMap<>(metrics == null ? Map.of() : metrics));
  }

  /** A successful reply. */
  public static Reply ok(
      Instruction in, ParameterSet parameters, long numExamples, Map<String, Double> metrics) {
    return new Reply(in.clientId(), in.round(), parameters, numExamples, metrics, null);
  }

  /** An error reply: the client could not do the task and says why. */
  public static Reply error(Instruction in, String message) {
    return new Reply(in.clientId(), in.round(), null, 0, Map.of(), message);
  }

  /** Whether this reply carries an error. */
  public boolean isError() {
    return error != null;
  }

  /** Bytes sent back to the server: the parameter encoding plus the metrics as text. */
  public long byteSize() {
    long n = parameters == null ? 0 : parameters.byteSize();
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      n += e.getKey().length() + 8;
    }
    return n + (error == null ? 0 : error.length());
  }
}
