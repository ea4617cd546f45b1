/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import io.persona4j.core.io.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Updates trainable parameters in place from their accumulated gradients.
 *
 * <p>State (moments, momentum buffers, step counts) exists only for the parameters it has updated,
 * lives on the optimizer's own native memory and is freed by {@link #close()}. Updates run without
 * gradient recording, with every temporary array scoped to the step.
 */
public interface Optimizer extends AutoCloseable {
  /** A short stable name written to checkpoints, e.g. {@code adamw}. */
  String name();

  /** The hyper-parameters, written to checkpoints so that a resume with other values is noticed. */
  Map<String, Double> hyperParameters();

  /**
   * One update of every parameter that has a gradient (parameters that no backward pass ever
   * reached are skipped, as PyTorch skips those whose gradient is None).
   *
   * @param learningRate the rate for this step (from the schedule); must be finite and >= 0
   */
  void step(TrainableParameters params, double learningRate);

  /** The state as named host tensors, for a checkpoint. */
  Map<String, HostTensor> state();

  /**
   * Replaces the state with one written by {@link #state()} of an optimizer of the same kind.
   *
   * @param source file the tensors came from, for error messages
   * @throws IOException naming {@code source} and the tensor if a tensor is missing, unexpected, or
   *     has the wrong shape for its parameter
   */
  void loadState(Map<String, HostTensor> state, TrainableParameters params, Path source)
      throws IOException;

  /** Frees the optimizer state. */
  @Override
  void close();

  /** Checks a learning rate argument. */
  static void checkLearningRate(double lr) {
    if (!(lr >= 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
    }
  }

  /** The shape of an array as a long[] (for state validation). */
  static long[] shapeOf(NDArray a) {
    return a.getShape().getShape();
  }
}
