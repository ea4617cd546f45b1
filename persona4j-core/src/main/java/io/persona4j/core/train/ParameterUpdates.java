/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Map;

/**
 * The loop every {@link Optimizer} steps with: each parameter that has a gradient, outside
 * autograd, with every temporary array of its update scoped to that parameter.
 */
final class ParameterUpdates {
  /** Updates one parameter in place from its gradient. */
  @FunctionalInterface
  interface Update {
    /**
     * @param parameter the parameter (for its name, shape and manager, e.g. of optimizer state)
     * @param values the parameter's values to update in place: a view sharing its storage, detached
     *     from autograd
     */
    void apply(String name, NDArray parameter, NDArray values, NDArray gradient);
  }

  private ParameterUpdates() {}

  /**
   * Checks the learning rate, then calls {@code update} for every parameter a backward pass reached
   * (parameters without a gradient are skipped, as PyTorch skips those whose gradient is None).
   */
  static void forEachGradient(TrainableParameters params, double learningRate, Update update) {
    Optimizer.checkLearningRate(learningRate);
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (Map.Entry<String, NDArray> e : params.asMap().entrySet()) {
        try (NDManager scope = e.getValue().getManager().newSubManager();
            NDScope temporaries = new NDScope()) {
          temporaries.suppressNotUsedWarning();
          NDArray g = Autograd.gradient(e.getValue(), scope);
          if (g != null) {
            // In place on a detached view: correct whatever the thread's grad mode (a virtual
            // thread may resume on a carrier whose mode is not this scope's).
            NDArray values = e.getValue().stopGradient();
            values.attach(scope);
            update.apply(e.getKey(), e.getValue(), values, g);
          }
        }
      }
    }
  }
}
