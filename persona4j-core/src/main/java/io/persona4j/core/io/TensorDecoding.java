package io.persona4j.core.io;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/** Converts little-endian chunks of raw tensor bytes to floats or longs. */
final class TensorDecoding {
  private TensorDecoding() {}

  /** Appends the chunk's elements, converted to float, to {@code dst}. */
  static void floats(DType type, ByteBuffer chunk, FloatBuffer dst) {
    int n = chunk.remaining() / type.byteSize();
    switch (type) {
      case F32 -> dst.put(chunk.asFloatBuffer());
      case F64 -> {
        for (int i = 0; i < n; i++) dst.put((float) chunk.getDouble(i << 3));
      }
      case F16 -> {
        for (int i = 0; i < n; i++) dst.put(Float.float16ToFloat(chunk.getShort(i << 1)));
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) dst.put(Float.intBitsToFloat(chunk.getShort(i << 1) << 16));
      }
      case I64 -> {
        for (int i = 0; i < n; i++) dst.put((float) chunk.getLong(i << 3));
      }
      case I32 -> {
        for (int i = 0; i < n; i++) dst.put((float) chunk.getInt(i << 2));
      }
      case I16 -> {
        for (int i = 0; i < n; i++) dst.put(chunk.getShort(i << 1));
      }
      case I8 -> {
        for (int i = 0; i < n; i++) dst.put(chunk.get(i));
      }
      case U8 -> {
        for (int i = 0; i < n; i++) dst.put(chunk.get(i) & 0xFF);
      }
      case BOOL -> {
        for (int i = 0; i < n; i++) dst.put(chunk.get(i) != 0 ? 1f : 0f);
      }
    }
  }

  /**
   * Appends the chunk's elements, converted to long, to {@code dst}; integer and BOOL types only.
   */
  static void longs(DType type, ByteBuffer chunk, LongBuffer dst) {
    int n = chunk.remaining() / type.byteSize();
    switch (type) {
      case I64 -> dst.put(chunk.asLongBuffer());
      case I32 -> {
        for (int i = 0; i < n; i++) dst.put(chunk.getInt(i << 2));
      }
      case I16 -> {
        for (int i = 0; i < n; i++) dst.put(chunk.getShort(i << 1));
      }
      case I8 -> {
        for (int i = 0; i < n; i++) dst.put(chunk.get(i));
      }
      case U8 -> {
        for (int i = 0; i < n; i++) dst.put(chunk.get(i) & 0xFF);
      }
      case BOOL -> {
        for (int i = 0; i < n; i++) dst.put(chunk.get(i) != 0 ? 1 : 0);
      }
      default -> throw new IllegalArgumentException(type + " is not an integer type");
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
            case BF16 -> (chunk.getShort(i << 1) & 0x7F80) == 0x7F80;
            default -> false;
          };
      if (nonFinite) {
        count++;
      }
    }
    return count;
  }
}
