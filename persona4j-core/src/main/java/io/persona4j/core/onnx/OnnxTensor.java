/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense tensor of an ONNX graph ({@code TensorProto}): an initializer or the value of a {@code
 * Constant} node. The data is kept as parsed (raw little-endian bytes or a typed array) and decoded
 * on demand; {@link OnnxModel} has already checked that its size matches the dims.
 *
 * @param name tensor name (empty for anonymous attribute values)
 * @param dims shape, outermost first (empty for a scalar)
 * @param dataType ONNX {@code TensorProto.DataType} code ({@link #FLOAT}, {@link #INT64}, ...)
 * @param raw {@code raw_data} (a read-only view of the file), or null when the data came as a typed
 *     field
 * @param floatData {@code float_data}, or null
 * @param longData {@code int64_data} or the widened {@code int32_data}, or null
 * @param external whether the data lives in an external file (not supported for reading)
 */
public record OnnxTensor(
    String name,
    long[] dims,
    int dataType,
    ByteBuffer raw,
    float[] floatData,
    long[] longData,
    boolean external) {

  /** {@code TensorProto.DataType.FLOAT}. */
  public static final int FLOAT = 1;

  /** {@code TensorProto.DataType.INT32}. */
  public static final int INT32 = 6;

  /** {@code TensorProto.DataType.INT64}. */
  public static final int INT64 = 7;

  /** Number of elements (the product of the dims; 1 for a scalar). */
  public long size() {
    long n = 1;
    for (long d : dims) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Bytes per element of an ONNX data type, or 0 if unknown or variable (strings). */
  public static int elementBytes(int dataType) {
    return switch (dataType) {
      case 2, 3, 9 -> 1; // uint8, int8, bool
      case 4, 5, 10, 16 -> 2; // uint16, int16, float16, bfloat16
      case 1, 6, 12 -> 4; // float, int32, uint32
      case 7, 11, 13 -> 8; // int64, double, uint64
      default -> 0;
    };
  }

  /** The data of a FLOAT tensor as a new array. */
  public float[] floats() {
    if (dataType != FLOAT) {
      throw new IllegalStateException(
          "tensor '" + name + "' has ONNX data type " + dataType + ", not FLOAT (1)");
    }
    checkNotExternal();
    if (floatData != null) {
      return floatData.clone();
    }
    float[] out = new float[Math.toIntExact(size())];
    if (raw != null) {
      raw.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    }
    return out;
  }

  /** The data of an INT64 or INT32 tensor as a new {@code long[]}. */
  public long[] longs() {
    if (dataType != INT64 && dataType != INT32) {
      throw new IllegalStateException(
          "tensor '" + name + "' has ONNX data type " + dataType + ", not INT64 or INT32");
    }
    checkNotExternal();
    if (longData != null) {
      return longData.clone();
    }
    long[] out = new long[Math.toIntExact(size())];
    if (raw != null) {
      var buf = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < out.length; i++) {
        out[i] = dataType == INT64 ? buf.getLong() : buf.getInt();
      }
    }
    return out;
  }

  /**
   * Why the data does not fit the dims (a negative dimension, too many elements, a raw_data or
   * typed field of the wrong length, no data at all), or null if it does. External data is not
   * checked.
   */
  String dataProblem() {
    for (long d : dims) {
      if (d < 0) {
        return "has a negative dimension";
      }
    }
    long n;
    try {
      n = size();
    } catch (ArithmeticException e) {
      return "has more elements than a long can count";
    }
    int width = elementBytes(dataType);
    if (external) {
      return null;
    } else if (raw != null) {
      if (width != 0 && raw.remaining() != n * width) {
        return "has "
            + raw.remaining()
            + " bytes of raw_data, expected "
            + n
            + " x "
            + width
            + " = "
            + n * width;
      }
    } else if (floatData != null) {
      return floatData.length == n
          ? null
          : "has " + floatData.length + " float_data values, expected " + n;
    } else if (longData != null) {
      return longData.length == n
          ? null
          : "has " + longData.length + " int64/int32 values, expected " + n;
    } else if (n > 0 && width > 0) {
      return "has no data";
    }
    return null;
  }

  private void checkNotExternal() {
    if (external) {
      throw new IllegalStateException(
          "tensor '" + name + "' keeps its data in an external file, which is not supported");
    }
  }

  @Override
  public String toString() {
    return "OnnxTensor[" + name + ", dims=" + Arrays.toString(dims) + ", type=" + dataType + "]";
  }
}
