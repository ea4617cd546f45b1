/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import io.persona4j.rec.sasrec.SasRecModel;

/** A trained SASRec as the LLM recommenders' {@link SequenceEncoder}. */
public final class SasRecEncoder implements SequenceEncoder {
  private final SasRecModel model;
  private final float[][] items;

  /** Wraps {@code model} (closed by its owner). */
  public SasRecEncoder(SasRecModel model) {
    this.model = model;
    this.items = model.itemEmbeddingMatrix();
  }

  @Override
  public float[][] itemVectors() {
    return items;
  }

  @Override
  public synchronized float[][] encode(int[][] histories) {
    return model.sequenceRepresentation(histories);
  }
}
