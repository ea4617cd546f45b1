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
    void apply(String name, NDArray parameter, NDArray gradient);
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
            update.apply(e.getKey(), e.getValue(), g);
          }
        }
      }
    }
  }
}
