/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate;

import java.util.List;

/**
 * What {@link Generator#generate} produced.
 *
 * @param tokens the new tokens of each prompt (a final stop token included)
 * @param stoppedOnToken per row: true if it ended on a stop token, false if it hit the limit
 * @param prefillNanos time of the prompt pass
 * @param decodeNanos time of all later steps
 * @param promptTokens real (unpadded) prompt tokens over all rows
 * @param decodeSteps forward steps after the prefill
 */
public record GenerationResult(
    List<long[]> tokens,
    boolean[] stoppedOnToken,
    long prefillNanos,
    long decodeNanos,
    long promptTokens,
    int decodeSteps) {

  /** New tokens over all rows. */
  public long generatedTokens() {
    return tokens.stream().mapToLong(t -> t.length).sum();
  }

  /** Prompt tokens per second of the prefill. */
  public double prefillTokensPerSecond() {
    return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
  }

  /**
   * Generated tokens per second of the decode steps (tokens of the first step come from prefill).
   */
  public double decodeTokensPerSecond() {
    long afterFirst = generatedTokens() - tokens.stream().filter(t -> t.length > 0).count();
    return decodeNanos == 0 ? 0 : afterFirst * 1e9 / decodeNanos;
  }
}
