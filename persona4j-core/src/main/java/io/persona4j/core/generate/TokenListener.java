/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate;

/** Receives generated tokens as they are produced (streaming). */
@FunctionalInterface
public interface TokenListener {
  /**
   * @param row index of the prompt in the batch
   * @param token the new token id (a stop token is reported too, then the row ends)
   */
  void onToken(int row, long token);

  TokenListener NONE = (row, token) -> {};
}
