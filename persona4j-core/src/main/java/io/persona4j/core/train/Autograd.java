/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;

/**
 * The few autograd operations training needs, on the PyTorch engine.
 *
 * <p>DJL's {@code NDArray.getGradient()} allocates a zero array on the parameter's own manager when
 * no gradient exists yet (a leak on long runs) and its gradient handles are attached to the
 * parameter's manager too; these helpers put every handle on a manager the caller scopes.
 *
 * <p><b>Hazard on every differentiable path.</b> DJL's PyTorch engine wraps the memory of an array
 * made from Java data without copying it, and the arithmetic ops that take a Java number ({@code
 * mul(0.5f)}, {@code div(n)}, {@code pow(-0.5f)}, {@code maximum(x)}, ...) make such a temporary
 * scalar array and close it right after the op. Autograd keeps the scalar for the backward pass of
 * {@code mul}, {@code div}, {@code pow}, {@code maximum} and {@code minimum}; once a garbage
 * collection frees the Java buffer, the backward pass reads freed (often reused) memory and
 * gradients silently become wrong or NaN. On a path that gradients flow through, create such
 * constants as arrays on a manager that outlives the backward pass ({@code m.create(0.5f)}), or use
 * {@code add}/{@code sub} (their backward keeps no operand). {@code AutogradMemorySafetyTest}
 * forces a collection between forward and backward to check this.
 */
public final class Autograd {
  private Autograd() {}

  /**
   * The accumulated gradient of {@code param} as a handle on {@code into} (sharing the gradient's
   * storage, so in-place ops on it change the gradient), or null if no backward pass reached it.
   */
  static NDArray gradient(NDArray param, NDManager into) {
    PtNDArray g = JniUtils.getGradient((PtNDArray) param);
    if (g != null) {
      g.attach(into);
    }
    return g;
  }

  /** Sets the accumulated gradient of {@code param} to zero in place (no-op if it has none). */
  static void zeroGradient(NDArray param) {
    JniUtils.zeroGrad((PtNDArray) param);
  }

  /** Starts recording operations for a backward pass (one collector at a time per JVM). */
  static GradientCollector collector() {
    return TensorRuntime.engine().newGradientCollector();
  }

  /**
   * Switches gradient recording off on this thread until {@link NoGrad#close()}, which restores the
   * previous mode. Parameter updates and evaluation run inside one.
   */
  public static NoGrad noGrad() {
    return new NoGrad();
  }

  /**
   * Switches gradient recording on for this thread until {@link Recording#close()}, which restores
   * the previous mode. Unlike a {@code GradientCollector} (one per JVM at a time) it takes no
   * global lock, so parties of a split model in one JVM (a split-learning client and server) can
   * each record their part of a step; the graph recorded inside stays usable by {@link #backward}
   * after the scope closes, from any thread, as long as the arrays it was computed from are open.
   */
  public static Recording record() {
    return new Recording();
  }

  /**
   * Backpropagates a given gradient of a non-scalar output (a vector-Jacobian product): adds {@code
   * (d output / d p)^T outputGradient} to the gradient of every leaf {@code p} that requires one.
   * The graph is freed afterwards (a second call on the same output fails).
   *
   * @param output an array computed under gradient recording
   * @param outputGradient same shape as {@code output}
   */
  public static void backward(NDArray output, NDArray outputGradient) {
    if (!output.getShape().equals(outputGradient.getShape())) {
      throw new IllegalArgumentException(
          "output gradient shape "
              + outputGradient.getShape()
              + " != output shape "
              + output.getShape());
    }
    JniUtils.backward((PtNDArray) output, (PtNDArray) outputGradient, false, false);
  }

  /**
   * The accumulated gradient of {@code array} as a handle on {@code into}, or null if no backward
   * pass reached it (see {@link TrainableParameters#gradient} for named parameters).
   */
  public static NDArray gradientOf(NDArray array, NDManager into) {
    return gradient(array, into);
  }

  /** A scope with gradient recording on. */
  public static final class Recording implements AutoCloseable {
    private final boolean previous;

    private Recording() {
      TensorRuntime.engine();
      previous = JniUtils.isGradMode();
      JniUtils.setGradMode(true);
    }

    @Override
    public void close() {
      JniUtils.setGradMode(previous);
    }
  }

  /** A scope without gradient recording. */
  public static final class NoGrad implements AutoCloseable {
    private final boolean previous;

    private NoGrad() {
      TensorRuntime.engine();
      previous = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
    }

    @Override
    public void close() {
      JniUtils.setGradMode(previous);
    }
  }
}
