/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

/** Sees a steered generation as it happens (e.g. {@link SteerTrace}, a token printer). */
public interface StepListener {
  /** The three streams' prompt ids, before the first token. */
  default void onPrompts(long[] cloudIds, long[] ctxIds, long[] noctxIds) {}

  /**
   * A chosen token.
   *
   * @param token the cloud's id of the token
   * @param steered whether the device's delta steered this token
   */
  default void onToken(int step, long token, boolean steered) {}

  /** Does nothing. */
  StepListener NONE = new StepListener() {};
}
