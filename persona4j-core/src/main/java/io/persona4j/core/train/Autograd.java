package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.persona4j.core.Runtime;

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
    return Runtime.engine().newGradientCollector();
  }

  /**
   * Switches gradient recording off on this thread until {@link NoGrad#close()}, which restores the
   * previous mode. Parameter updates and evaluation run inside one.
   */
  public static NoGrad noGrad() {
    return new NoGrad();
  }

  /** A scope without gradient recording. */
  public static final class NoGrad implements AutoCloseable {
    private final boolean previous;

    private NoGrad() {
      Runtime.engine();
      previous = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
    }

    @Override
    public void close() {
      JniUtils.setGradMode(previous);
    }
  }
}
