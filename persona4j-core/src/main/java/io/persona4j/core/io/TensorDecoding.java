/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * Converts little-endian chunks of raw tensor bytes to floats or longs. Elements are copied in
 * blocks to Java arrays first so the conversion loops run over plain arrays.
 */
final class TensorDecoding {
  private static final int BLOCK = 8192;

  private TensorDecoding() {}

  /** Writes the chunk's elements, converted to float, to {@code dst} from {@code offset}. */
  static void floats(DType type, ByteBuffer chunk, float[] dst, int offset) {
    int n = chunk.remaining() / type.byteSize();
    switch (type) {
      case F32 -> chunk.asFloatBuffer().get(dst, offset, n);
      case F64 -> {
        DoubleBuffer src = chunk.asDoubleBuffer();
        double[] block = new double[Math.min(n, BLOCK)];
        for (int i = 0; i < n; i += block.length) {
          int m = Math.min(block.length, n - i);
          src.get(block, 0, m);
          for (int j = 0; j < m; j++) dst[offset + i + j] = (float) block[j];
        }
      }
      case F16, BF16, I16 -> {
        ShortBuffer src = chunk.asShortBuffer();
        short[] block = new short[Math.min(n, BLOCK)];
        for (int i = 0; i < n; i += block.length) {
          int m = Math.min(block.length, n - i);
          src.get(block, 0, m);
          int o = offset + i;
          switch (type) {
            case F16 -> {
              for (int j = 0; j < m; j++) dst[o + j] = Float.float16ToFloat(block[j]);
            }
            case BF16 -> {
              for (int j = 0; j < m; j++) dst[o + j] = Float.intBitsToFloat(block[j] << 16);
            }
            default -> {
              for (int j = 0; j < m; j++) dst[o + j] = block[j];
            }
          }
        }
      }
      case I64, I32, I8, U8, BOOL -> {
        long[] block = new long[Math.min(n, BLOCK)];
        for (int i = 0; i < n; i += block.length) {
          int m = Math.min(block.length, n - i);
          longs(type, slice(chunk, i, m, type), block, 0);
          for (int j = 0; j < m; j++) dst[offset + i + j] = block[j];
        }
      }
    }
  }

  /** Writes the elements of an integer or BOOL chunk (U8 unsigned, BOOL 0/1) to {@code dst}. */
  static void longs(DType type, ByteBuffer chunk, long[] dst, int offset) {
    int n = chunk.remaining() / type.byteSize();
    switch (type) {
      case I64 -> chunk.asLongBuffer().get(dst, offset, n);
      case I32 -> {
        IntBuffer src = chunk.asIntBuffer();
        int[] block = new int[Math.min(n, BLOCK)];
        for (int i = 0; i < n; i += block.length) {
          int m = Math.min(block.length, n - i);
          src.get(block, 0, m);
          for (int j = 0; j < m; j++) dst[offset + i + j] = block[j];
        }
      }
      case I16 -> {
        ShortBuffer src = chunk.asShortBuffer();
        short[] block = new short[Math.min(n, BLOCK)];
        for (int i = 0; i < n; i += block.length) {
          int m = Math.min(block.length, n - i);
          src.get(block, 0, m);
          for (int j = 0; j < m; j++) dst[offset + i + j] = block[j];
        }
      }
      case I8, U8, BOOL -> {
        byte[] block = new byte[Math.min(n, BLOCK)];
        for (int i = 0; i < n; i += block.length) {
          int m = Math.min(block.length, n - i);
          chunk.get(chunk.position() + i, block, 0, m);
          int o = offset + i;
          switch (type) {
            case I8 -> {
              for (int j = 0; j < m; j++) dst[o + j] = block[j];
            }
            case U8 -> {
              for (int j = 0; j < m; j++) dst[o + j] = block[j] & 0xFF;
            }
            default -> {
              for (int j = 0; j < m; j++) dst[o + j] = block[j] != 0 ? 1 : 0;
            }
          }
        }
      }
      default -> throw new IllegalArgumentException(type + " is not an integer type");
    }
  }

  /** As {@link #floats(DType, ByteBuffer, float[], int)}, appending to {@code dst}. */
  static void floats(DType type, ByteBuffer chunk, FloatBuffer dst) {
    if (type == DType.F32) {
      dst.put(chunk.asFloatBuffer());
      return;
    }
    int n = chunk.remaining() / type.byteSize();
    float[] block = new float[Math.min(n, BLOCK)];
    for (int i = 0; i < n; i += block.length) {
      int m = Math.min(block.length, n - i);
      floats(type, slice(chunk, i, m, type), block, 0);
      dst.put(block, 0, m);
    }
  }

  /** As {@link #longs(DType, ByteBuffer, long[], int)}, appending to {@code dst}. */
  static void longs(DType type, ByteBuffer chunk, LongBuffer dst) {
    if (type == DType.I64) {
      dst.put(chunk.asLongBuffer());
      return;
    }
    int n = chunk.remaining() / type.byteSize();
    long[] block = new long[Math.min(n, BLOCK)];
    for (int i = 0; i < n; i += block.length) {
      int m = Math.min(block.length, n - i);
      longs(type, slice(chunk, i, m, type), block, 0);
      dst.put(block, 0, m);
    }
  }

  /**
   * Counts the NaN and infinite elements of the chunk (0 for integer types), stopping at the first
   * one if {@code firstOnly}.
   */
  static long countNonFinite(DType type, ByteBuffer chunk, boolean firstOnly) {
    if (!type.isFloatingPoint()) {
      return 0;
    }
    int n = chunk.remaining() / type.byteSize();
    long count = 0;
    // An IEEE value is NaN or infinite exactly when its exponent bits are all ones.
    for (int i = 0; i < n && !(firstOnly && count > 0); i++) {
      boolean nonFinite =
          switch (type) {
            case F32 -> (chunk.getInt(i << 2) & 0x7F80_0000) == 0x7F80_0000;
            case F64 -> (chunk.getLong(i << 3) & 0x7FF0_0000_0000_0000L) == 0x7FF0_0000_0000_0000L;
            case F16 -> (chunk.getShort(i << 1) & 0x7C00) == 0x7C00;
            default -> (chunk.getShort(i << 1) & 0x7F80) == 0x7F80; // BF16
          };
      if (nonFinite) {
        count++;
      }
    }
    return count;
  }

  /** Elements {@code [first, first+count)} of the chunk, little-endian. */
  private static ByteBuffer slice(ByteBuffer chunk, int first, int count, DType type) {
    int size = type.byteSize();
    return chunk
        .slice(chunk.position() + first * size, count * size)
        .order(ByteOrder.LITTLE_ENDIAN);
  }
}
