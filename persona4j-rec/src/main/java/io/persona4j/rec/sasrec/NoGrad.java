package io.persona4j.rec.sasrec;

import ai.djl.pytorch.jni.JniUtils;
import io.persona4j.core.Runtime;

/** Switches PyTorch's gradient recording off on this thread until closed (then restores it). */
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
