package io.persona4j.federated.lora;

import ai.djl.pytorch.jni.JniUtils;
import io.persona4j.core.Runtime;

/**
 * Switches PyTorch gradient recording off on the current thread until {@link #close()}, which
 * restores the previous mode. The mode is per thread and on by default on threads other than the
 * one that started the engine (such as an in-memory grid's workers), where an in-place copy into a
 * parameter that records gradients would fail.
 */
final class NoGrad implements AutoCloseable {
  private final boolean previous;

  NoGrad() {
    Runtime.engine();
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
