/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * Entry point to the tensor runtime (DJL with the PyTorch engine).
 *
 * <p>Persona4j never downloads anything at run time: the PyTorch native library comes from the
 * {@code pytorch-native-cpu} Maven jar on the class path, and DJL's offline mode is switched on
 * here before the engine is first touched.
 */
public final class TensorRuntime {
  private static volatile Engine engine;

  private TensorRuntime() {}

  /** Sets DJL's offline mode (unless the user set it explicitly) and returns the PyTorch engine. */
  public static Engine engine() {
    Engine e = engine;
    if (e == null) {
      synchronized (TensorRuntime.class) {
        e = engine;
        if (e == null) {
          if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
          }
          // Tracing graph optimizations only cost time for eager ops.
          if (System.getProperty("ai.djl.pytorch.graph_optimizer") == null) {
            System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
          }
          e = Engine.getEngine("PyTorch");
          engine = e;
        }
      }
    }
    return e;
  }

  /** A new root manager on the PyTorch engine's CPU device; close it to free native memory. */
  public static NDManager newManager() {
    return engine().newBaseManager();
  }
}
