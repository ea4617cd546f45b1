/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.TrainingObjective;

/**
 * A training objective over a LoRA-adapted model that evaluates in inference mode: LoRA dropout is
 * on for the training loss and off while the trainer evaluates, as {@code model.eval()} does in
 * PyTorch.
 */
public final class LoraTrainingObjective implements TrainingObjective {
  private final TrainingObjective delegate;
  private final LoraModel lora;

  /** Wraps {@code delegate}, computed on the model that {@code lora} adapts. */
  public LoraTrainingObjective(TrainingObjective delegate, LoraModel lora) {
    this.delegate = delegate;
    this.lora = lora;
  }

  @Override
  public NDArray lossSum(Batch batch, NDManager m) {
    return delegate.lossSum(batch, m);
  }

  @Override
  public Evaluation evaluate(Batch batch, NDManager m) {
    lora.train(false);
    try {
      return delegate.evaluate(batch, m);
    } finally {
      lora.train(true);
    }
  }
}
