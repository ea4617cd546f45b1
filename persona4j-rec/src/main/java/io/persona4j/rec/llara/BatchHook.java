/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Called before every forward pass of a LLaRA batch (training, evaluation, generation, scoring)
 * with the samples of the batch's rows, in row order: the place to set per-sequence state such as
 * iLoRA's gate input (the SASRec representation of each row's history) for exactly this batch.
 */
@FunctionalInterface
public interface BatchHook {
  /** A hook that does nothing. */
  BatchHook NONE = (samples, m) -> {};

  /**
   * @param samples the rows' samples
   * @param m the batch's manager, alive until the batch's backward pass is done: arrays the hook
   *     creates for the forward pass belong on it
   */
  void beforeForward(List<RecSample> samples, NDManager m);
}
