/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

/**
 * What a steered generation produced and cost.
 *
 * @param tokens chosen tokens (cloud ids), the stop token included
 * @param text the tokens decoded, special tokens skipped
 * @param steered per token, whether the device's delta steered it
 * @param stopReason {@code eos}, {@code max_tokens} or {@code eos_force} (intersection mode: the
 *     cloud's own EOS probability exceeded 0.5)
 * @param cloudIds the cloud prompt's ids (as the cloud reported them)
 * @param ctxIds the device's prompt with the private context
 * @param noctxIds the device's prompt without it
 * @param alignment how the vocabularies were aligned
 * @param deviceForwards forward passes of the device model (both streams counted)
 */
public record SteerResult(
    long[] tokens,
    String text,
    boolean[] steered,
    String stopReason,
    long[] cloudIds,
    long[] ctxIds,
    long[] noctxIds,
    VocabularyAlignment.Mode alignment,
    Timing timing,
    Traffic traffic,
    long deviceForwards) {

  /**
   * Where the time went, in nanoseconds (cloud compute as the cloud reported it).
   *
   * @param totalNanos from opening the session to closing it
   * @param waitNanos from asking for each distribution to holding it validated (the cloud's
   *     compute, the wire, parsing and validation)
   * @param cloudNanos the cloud's own compute for those distributions
   * @param deviceNanos the device model's forward passes (both streams) and the delta
   * @param steerNanos the steering rule and the choice of the token
   */
  public record Timing(
      long totalNanos, long waitNanos, long cloudNanos, long deviceNanos, long steerNanos) {
    /** Wait that was not the cloud's compute: serialization, transport, parsing, validation. */
    public long wireNanos() {
      return Math.max(0, waitNanos - cloudNanos);
    }
  }

  /** Protobuf bytes and messages each way. */
  public record Traffic(long bytesUp, long bytesDown, long messagesUp, long messagesDown) {}

  /** Share of tokens that were steered. */
  public double steeredShare() {
    if (steered.length == 0) {
      return 0;
    }
    int n = 0;
    for (boolean s : steered) {
      n += s ? 1 : 0;
    }
    return n / (double) steered.length;
  }
}
