/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param name tensor name
 * @param dtype element type
 * @param shape dimensions, outermost first; empty for a scalar
 * @param begin offset of the first byte, relative to the start of the data section
 * @param end offset just past the last byte, relative to the start of the data section
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

  /**
   * Checks the entry's own consistency.
   *
   * @throws IllegalArgumentException if a dimension is negative, the element count overflows, the
   *     offsets are negative or reversed, or the byte range does not fit the shape and dtype
   */
  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
    long bytes = Math.multiplyExact(numel(shape), dtype.byteSize());
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': bad data offsets [" + begin + ", " + end + "]");
    }
    if (end - begin != bytes) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': " + (end - begin) + " bytes, but shape and dtype need " + bytes);
    }
  }

  /** A copy of the dimensions. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Number of elements (1 for a scalar, 0 if a dimension is 0). */
  public long numel() {
    return numel(shape);
  }

  /** Number of bytes, {@code end - begin}. */
  public long byteSize() {
    return end - begin;
  }

  /** The shape as a DJL {@link ai.djl.ndarray.types.Shape}. */
  public Shape djlShape() {
    return new Shape(shape);
  }

  /**
   * Product of the dimensions.
   *
   * @throws IllegalArgumentException if one is negative
   * @throws ArithmeticException if the product overflows a long
   */
  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension " + d + " in shape " + str(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  static String str(long[] shape) {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
  }

  @Override
  public String toString() {
    return name + " " + dtype + str(shape) + " @[" + begin + ", " + end + ")";
  }
}
