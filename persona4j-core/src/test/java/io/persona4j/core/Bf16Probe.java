/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Run in a child JVM by {@link Bf16AbortIsolationTest}: creates a FLOAT32 array, converts it to the
 * data type named by the argument (FLOAT16 or BFLOAT16) and back, and prints the values.
 */
public final class Bf16Probe {
  private Bf16Probe() {}

  public static void main(String[] args) {
    DataType type = DataType.valueOf(args[0]);
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray x = m.create(new float[] {1f, -2.5f, 0.1f});
      System.out.println("probe: converting FLOAT32 to " + args[0]);
      System.out.flush();
      NDArray y = x.toType(type, false); // BFLOAT16: the JVM aborts here
      NDArray back = y.matMul(y.reshape(3, 1)).toType(DataType.FLOAT32, false);
      System.out.println("probe: ok " + back.toFloatArray()[0]);
    }
  }
}
