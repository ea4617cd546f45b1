/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Name, shape and element type of one tensor in a {@link ParameterSet}.
 *
 * @param name tensor name, non-blank
 * @param shape dimensions, each {@code >= 1}; empty for a scalar
 * @param dtype element type (only {@link DType#F32} exists for now)
 */
public record TensorSpec(String name, List<Integer> shape, DType dtype) {

  /** Element type of a tensor on the wire and in checkpoints. */
  public enum DType {
    /** IEEE 754 32-bit float. */
    F32
  }

  /** Validates and copies the shape. */
  public TensorSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name must be non-blank, got " + name);
    }
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(dtype, "dtype");
    shape = List.copyOf(shape);
    long n = 1;
    for (int d : shape) {
      if (d < 1) {
        throw new IllegalArgumentException("shape of '" + name + "' has dimension " + d + " < 1");
      }
      n = Math.multiplyExact(n, d);
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("tensor '" + name + "' has " + n + " elements, too many");
    }
  }

  /** Float32 spec from an int array shape. */
  public static TensorSpec f32(String name, int... shape) {
    List<Integer> dims = new ArrayList<>(shape.length);
    for (int d : shape) {
      dims.add(d);
    }
    return new TensorSpec(name, dims, DType.F32);
  }

  /** Number of elements (product of the dimensions, 1 for a scalar). */
  public int numElements() {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }
}
