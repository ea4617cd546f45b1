/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.Optional;
import java.util.Set;

/**
 * Checks a reply before aggregation. A reply that fails is a {@link Failure.Kind#INVALID_REPLY} (or
 * {@link Failure.Kind#CLIENT_ERROR}) for its client, never merged.
 *
 * <p>Checks: the reply answers the instruction (client id, round); tensor names, order, shapes and
 * dtypes equal those sent; every value finite; for FIT a positive sample count; required metrics
 * present and finite; optionally the update norm {@code ||reply - sent||_2 <= maxUpdateNorm}.
 *
 * @param maxUpdateNorm bound on the L2 norm of the update, or {@code Double.POSITIVE_INFINITY} for
 *     none
 * @param requiredMetrics metrics that must be present and finite
 */
public record ReplyValidator(double maxUpdateNorm, Set<String> requiredMetrics) {

  /** Validates the fields. */
  public ReplyValidator {
    if (!(maxUpdateNorm > 0)) {
      throw new IllegalArgumentException("maxUpdateNorm must be > 0, got " + maxUpdateNorm);
    }
    requiredMetrics = Set.copyOf(requiredMetrics);
  }

  /** A validator without norm bound or required metrics. */
  public static ReplyValidator basic() {
    return new ReplyValidator(Double.POSITIVE_INFINITY, Set.of());
  }

  /** The failure for this reply, or empty if it may be aggregated. */
  public Optional<Failure> check(Instruction sent, Reply reply) {
    String id = sent.clientId();
    if (reply.isError()) {
      return Optional.of(new Failure(id, Failure.Kind.CLIENT_ERROR, reply.error()));
    }
    if (!reply.clientId().equals(id) || reply.round() != sent.round()) {
      return invalid(
          id,
          "reply is for client '"
              + reply.clientId()
              + "' round "
              + reply.round()
              + ", expected '"
              + id
              + "' round "
              + sent.round());
    }
    if (sent.task() == Instruction.Task.FIT) {
      Optional<String> layout = reply.parameters().layoutMismatch(sent.parameters());
      if (layout.isPresent()) {
        return invalid(id, layout.get());
      }
      Optional<String> nonFinite = reply.parameters().firstNonFinite();
      if (nonFinite.isPresent()) {
        return invalid(id, "non-finite value " + nonFinite.get());
      }
      if (reply.numExamples() <= 0) {
        return invalid(id, "numExamples must be > 0 for a FIT reply, got " + reply.numExamples());
      }
      if (maxUpdateNorm != Double.POSITIVE_INFINITY) {
        double norm = reply.parameters().distance(sent.parameters());
        if (norm > maxUpdateNorm) {
          return invalid(id, "update norm " + norm + " exceeds bound " + maxUpdateNorm);
        }
      }
    }
    for (String m : requiredMetrics) {
      Double v = reply.metrics().get(m);
      if (v == null || !Double.isFinite(v)) {
        return invalid(id, "metric '" + m + "' missing or not finite: " + v);
      }
    }
    for (var e : reply.metrics().entrySet()) {
      if (e.getValue() == null || !Double.isFinite(e.getValue())) {
        return invalid(id, "metric '" + e.getKey() + "' is not finite: " + e.getValue());
      }
    }
    return Optional.empty();
  }

  private static Optional<Failure> invalid(String id, String reason) {
    return Optional.of(new Failure(id, Failure.Kind.INVALID_REPLY, reason));
  }
}
