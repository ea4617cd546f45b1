/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

/**
 * What the LLM recommenders take from a trained sequential recommender (SASRec): an item vector per
 * item for the hybrid item tokens, and a vector per history for the iLoRA gate.
 */
public interface SequenceEncoder {
  /** Item vectors {@code [N + 1][d]}; row 0 is padding. */
  float[][] itemVectors();

  /** One vector {@code [d]} per history (items oldest first). */
  float[][] encode(int[][] histories);
}
