/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor in Java memory, ready to be written: element type, shape and raw little-endian bytes.
 *
 * @param dtype element type
 * @param shape dimensions, outermost first; empty for a scalar
 * @param data the elements' bytes, little-endian, row-major; its remaining bytes must be exactly
 *     {@code numel * dtype.byteSize()}. Not copied: the record keeps a view of the remaining bytes,
 *     and {@link #data()} returns a fresh little-endian view of them each time.
 */
public record HostTensor(DType dtype, long[] shape, ByteBuffer data) {

  /**
   * @throws IllegalArgumentException if a dimension is negative or the byte count does not match
   */
  public HostTensor {
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
    long expected = Math.multiplyExact(TensorInfo.numel(shape), dtype.byteSize());
    if (data.remaining() != expected) {
      throw new IllegalArgumentException(
          dtype
              + TensorInfo.str(shape)
              + " needs "
              + expected
              + " bytes, the buffer has "
              + data.remaining());
    }
    data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** An F32 tensor holding {@code values}. */
  public static HostTensor f32(long[] shape, float[] values) {
    return of(DType.F32, shape, values);
  }

  /**
   * A tensor of floating-point type {@code target} holding {@code values}, rounded to nearest, ties
   * to even, for F16 and BF16 (see {@link HalfFloats}).
   *
   * @throws IllegalArgumentException for an integer target or a value count not matching the shape
   */
  public static HostTensor of(DType target, long[] shape, float[] values) {
    checkCount(shape, values.length);
    ByteBuffer b = allocate((long) values.length * target.byteSize());
    switch (target) {
      case F32 -> b.asFloatBuffer().put(values);
      case F64 -> {
        for (float v : values) b.putDouble(v);
      }
      case F16 -> {
        for (float v : values) b.putShort(HalfFloats.f32ToF16(v));
      }
      case BF16 -> {
        for (float v : values) b.putShort(HalfFloats.f32ToBf16(v));
      }
      default -> throw new IllegalArgumentException(target + " is not a floating-point type");
    }
    return new HostTensor(target, shape, b.rewind());
  }

  /** An I64 tensor holding {@code values}. */
  public static HostTensor i64(long[] shape, long[] values) {
    checkCount(shape, values.length);
    ByteBuffer b = allocate((long) values.length * 8);
    b.asLongBuffer().put(values);
    return new HostTensor(DType.I64, shape, b);
  }

  /**
   * A copy of {@code a}'s data: FLOAT32 as F32, FLOAT64/FLOAT16/BFLOAT16 as F64/F16/BF16,
   * INT64/INT32/INT16/INT8/UINT8 as I64/I32/I16/I8/U8 and BOOLEAN as BOOL.
   *
   * @throws IllegalArgumentException for other data types
   */
  public static HostTensor fromNDArray(NDArray a) {
    long[] shape = a.getShape().getShape();
    if (a.getDataType() == DataType.FLOAT32) {
      return f32(shape, a.toFloatArray());
    }
    DType dtype =
        switch (a.getDataType()) {
          case FLOAT64 -> DType.F64;
          case FLOAT16 -> DType.F16;
          case BFLOAT16 -> DType.BF16;
          case INT64 -> DType.I64;
          case INT32 -> DType.I32;
          case INT16 -> DType.I16;
          case INT8 -> DType.I8;
          case UINT8 -> DType.U8;
          case BOOLEAN -> DType.BOOL;
          default ->
              throw new IllegalArgumentException(
                  "no safetensors dtype for NDArray type " + a.getDataType());
        };
    ByteBuffer src = a.toByteBuffer();
    ByteBuffer dst = allocate(src.remaining());
    // Copy element-wise through typed views so the bytes come out little-endian whatever the
    // order of the NDArray's buffer.
    switch (dtype.byteSize()) {
      case 8 -> dst.asLongBuffer().put(src.asLongBuffer());
      case 2 -> dst.asShortBuffer().put(src.asShortBuffer());
      case 4 -> dst.asIntBuffer().put(src.asIntBuffer());
      default -> dst.put(src).rewind();
    }
    return new HostTensor(dtype, shape, dst);
  }

  /** Number of elements. */
  public long numel() {
    return TensorInfo.numel(shape);
  }

  /** A copy of the dimensions. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** A fresh little-endian view of the bytes (position 0, limit = byte count). */
  @Override
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor t
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && data.equals(t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dtype, Arrays.hashCode(shape), data);
  }

  @Override
  public String toString() {
    return "HostTensor[" + dtype + TensorInfo.str(shape) + "]";
  }

  private static void checkCount(long[] shape, int count) {
    long numel = TensorInfo.numel(shape);
    if (numel != count) {
      throw new IllegalArgumentException(
          "shape " + TensorInfo.str(shape) + " has " + numel + " elements, got " + count);
    }
  }

  private static ByteBuffer allocate(long bytes) {
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(bytes + " bytes are too many for one buffer");
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }
}
