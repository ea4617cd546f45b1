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
 */
final class Autograd {
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
  static NoGrad noGrad() {
    return new NoGrad();
  }

  /** A scope without gradient recording. */
  static final class NoGrad implements AutoCloseable {
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
