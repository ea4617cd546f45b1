/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import io.persona4j.core.io.HalfFloats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * A weight matrix {@code [rows (out), cols (in)]}, row-major, packed in a reduced precision for the
 * small-batch decode kernel: {@code y[r, o] = sum_i x[r, i] * W[o, i]}.
 *
 * <p>Packing happens once, at load time ({@link #pack}). A matrix may be a view of consecutive rows
 * of another ({@link #rows(int, int)}): the fused q/k/v and gate/up projections share one packing
 * with their parts. Instances are immutable and safe to use from several threads.
 */
public abstract sealed class PackedMatrix
    permits PackedMatrix.Bf16, PackedMatrix.Int8, PackedMatrix.F32View {
  /**
   * Largest number of input rows (batch x positions) the kernel is used for; more go to PyTorch.
   */
  public static final int MAX_DECODE_ROWS = 8;

  /** Output rows per parallel task: large enough to amortize the hand-off. */
  private static final int ROWS_PER_TASK = 64;

  final int rowOffset;
  final int rows;
  final int cols;

  PackedMatrix(int rowOffset, int rows, int cols) {
    this.rowOffset = rowOffset;
    this.rows = rows;
    this.cols = cols;
  }

  /** Output features. */
  public int rows() {
    return rows;
  }

  /** Input features. */
  public int cols() {
    return cols;
  }

  /** The precision of the packed weights. */
  public abstract WeightPrecision precision();

  /** Bytes of packed weights (and scales) this matrix streams per decode step. */
  public abstract long streamedBytes();

  /** A view of rows {@code [start, end)} (no copy). */
  public abstract PackedMatrix rows(int start, int end);

  /** The weight values the kernel computes with, row-major {@code [rows, cols]}. */
  public abstract float[] dequantize();

  /** {@code sum_i x[xOff + i] * W[row, i]} over {@code cols} inputs ({@code row} relative). */
  abstract float dot(int row, float[] x, int xOff);

  /**
   * {@link #dot} for the 4 input rows at {@code xOff + k * cols}, into {@code out[0..3]} (equal to
   * 4 calls of {@link #dot} up to the order of the final lane sum).
   */
  abstract void dot4(int row, float[] x, int xOff, float[] out);

  /**
   * {@code y = x W^T (+ bias)} for {@code n} input rows.
   *
   * @param x {@code [n, cols]} row-major
   * @param n input rows, {@code 1 <= n}
   * @param bias {@code [rows]} or null
   * @return {@code [n, rows]} row-major
   */
  public float[] multiply(float[] x, int n, float[] bias) {
    if (n < 1 || x.length != (long) n * cols) {
      throw new IllegalArgumentException(
          "input of " + x.length + " floats is not " + n + " rows of " + cols);
    }
    if (bias != null && bias.length != rows) {
      throw new IllegalArgumentException("bias of " + bias.length + " != " + rows + " rows");
    }
    float[] y = new float[n * rows];
    int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
    IntStream range = IntStream.range(0, tasks);
    (tasks > 1 ? range.parallel() : range)
        .forEach(
            t -> {
              int from = t * ROWS_PER_TASK;
              int to = Math.min(rows, from + ROWS_PER_TASK);
              float[] four = new float[4];
              for (int o = from; o < to; o++) {
                float b = bias == null ? 0f : bias[o];
                int r = 0;
                for (; r + 4 <= n; r += 4) { // one pass over the weight row for 4 input rows
                  dot4(o, x, r * cols, four);
                  for (int k = 0; k < 4; k++) {
                    y[(r + k) * rows + o] = four[k] + b;
                  }
                }
                for (; r < n; r++) {
                  y[r * rows + o] = dot(o, x, r * cols) + b;
                }
              }
            });
    return y;
  }

  /**
   * Packs {@code w [rows, cols]} (row-major).
   *
   * @throws IllegalArgumentException for {@link WeightPrecision#F32} (see {@link #f32View}), a size
   *     mismatch or a non-finite weight
   */
  public static PackedMatrix pack(float[] w, int rows, int cols, WeightPrecision precision) {
    Objects.requireNonNull(precision, "precision");
    if (rows < 1 || cols < 1 || w.length != (long) rows * cols) {
      throw new IllegalArgumentException(
          "weights of " + w.length + " floats are not [" + rows + ", " + cols + "]");
    }
    return switch (precision) {
      case BF16 -> Bf16.of(w, rows, cols);
      case INT8 -> Int8.of(w, rows, cols);
      case F32 ->
          throw new IllegalArgumentException(
              "F32 weights are not packed: f32View reads them in place");
    };
  }

  /**
   * Whether {@link #f32View} works on this JVM: the Vector API reads native memory only from JDK 22
   * on (see {@code NativeFloats}); on JDK 21 F32 steps stay on PyTorch.
   */
  public static boolean f32ViewSupported() {
    return NativeFloats.AVAILABLE;
  }

  /**
   * A view of F32 weights {@code [rows, cols]} that live elsewhere (PyTorch's memory, read in
   * place, no copy): {@code direct} must be a direct buffer of exactly {@code rows * cols}
   * native-order floats that stays valid while the view is used. Made per call by the caller, which
   * asks for the buffer each time, so in-place changes of the weights (a merged adapter, a training
   * step) are always seen.
   *
   * @throws IllegalArgumentException if the buffer is not direct or its size does not fit
   * @throws IllegalStateException if {@link #f32ViewSupported()} is false
   */
  public static F32View f32View(ByteBuffer direct, int rows, int cols) {
    if (!direct.isDirect() || rows < 1 || cols < 1 || direct.capacity() != 4L * rows * cols) {
      throw new IllegalArgumentException(
          "buffer of "
              + direct.capacity()
              + " bytes (direct: "
              + direct.isDirect()
              + ") is not ["
              + rows
              + ", "
              + cols
              + "] floats");
    }
    if (!NativeFloats.AVAILABLE) {
      throw new IllegalStateException("F32 views need JDK 22 or newer");
    }
    ByteBuffer b = direct.duplicate().order(ByteOrder.nativeOrder());
    return new F32View(NativeFloats.segment(b), b, 0, rows, cols);
  }

  /** F32 weights read in place ({@link #f32View}). */
  public static final class F32View extends PackedMatrix {
    final Object segment; // MemorySegment of buffer
    final ByteBuffer buffer; // [allRows, cols], native order

    private F32View(Object segment, ByteBuffer buffer, int rowOffset, int rows, int cols) {
      super(rowOffset, rows, cols);
      this.segment = segment;
      this.buffer = buffer;
    }

    @Override
    public WeightPrecision precision() {
      return WeightPrecision.F32;
    }

    @Override
    public long streamedBytes() {
      return 4L * rows * cols;
    }

    @Override
    public F32View rows(int start, int end) {
      Objects.checkFromToIndex(start, end, rows);
      return new F32View(segment, buffer, rowOffset + start, end - start, cols);
    }

    @Override
    public float[] dequantize() {
      float[] w = new float[rows * cols];
      buffer.asFloatBuffer().get(rowOffset * cols, w);
      return w;
    }

    @Override
    float dot(int row, float[] x, int xOff) {
      return VectorKernels.dotF32(segment, buffer, 4L * (rowOffset + row) * cols, x, xOff, cols);
    }

    @Override
    void dot4(int row, float[] x, int xOff, float[] out) {
      VectorKernels.dot4F32(
          segment, buffer, 4L * (rowOffset + row) * cols, x, xOff, cols, cols, out);
    }
  }

  /** bfloat16 weights (round to nearest even, {@link HalfFloats#f32ToBf16}). */
  public static final class Bf16 extends PackedMatrix {
    final short[] data; // the whole packing, [allRows, cols]

    private Bf16(short[] data, int rowOffset, int rows, int cols) {
      super(rowOffset, rows, cols);
      this.data = data;
    }

    static Bf16 of(float[] w, int rows, int cols) {
      short[] d = new short[w.length];
      for (int i = 0; i < w.length; i++) {
        if (!Float.isFinite(w[i])) {
          throw new IllegalArgumentException("weight " + i + " is " + w[i]);
        }
        d[i] = HalfFloats.f32ToBf16(w[i]);
      }
      return new Bf16(d, 0, rows, cols);
    }

    /** The packed bits of weight {@code [row, col]}. */
    public short bits(int row, int col) {
      return data[(rowOffset + row) * cols + col];
    }

    @Override
    public WeightPrecision precision() {
      return WeightPrecision.BF16;
    }

    @Override
    public long streamedBytes() {
      return 2L * rows * cols;
    }

    @Override
    public Bf16 rows(int start, int end) {
      Objects.checkFromToIndex(start, end, rows);
      return new Bf16(data, rowOffset + start, end - start, cols);
    }

    @Override
    public float[] dequantize() {
      float[] w = new float[rows * cols];
      int base = rowOffset * cols;
      for (int i = 0; i < w.length; i++) {
        w[i] = HalfFloats.bf16ToF32(data[base + i]);
      }
      return w;
    }

    @Override
    float dot(int row, float[] x, int xOff) {
      return VectorKernels.dotBf16(data, (rowOffset + row) * cols, x, xOff, cols);
    }

    @Override
    void dot4(int row, float[] x, int xOff, float[] out) {
      VectorKernels.dot4Bf16(data, (rowOffset + row) * cols, x, xOff, cols, cols, out);
    }
  }

  /**
   * Symmetric int8 with one scale per output row: {@code W[o, i] ~ scale[o] * q[o, i]}, {@code
   * scale[o] = max_i |W[o, i]| / 127}, {@code q = round(W / scale)} (half away from zero) in {@code
   * [-127, 127]}; an all-zero row has scale 0.
   */
  public static final class Int8 extends PackedMatrix {
    final byte[] data; // [allRows, cols]
    final float[] scales; // [allRows]

    private Int8(byte[] data, float[] scales, int rowOffset, int rows, int cols) {
      super(rowOffset, rows, cols);
      this.data = data;
      this.scales = scales;
    }

    static Int8 of(float[] w, int rows, int cols) {
      byte[] q = new byte[w.length];
      float[] s = new float[rows];
      for (int o = 0; o < rows; o++) {
        float max = 0f;
        for (int i = 0; i < cols; i++) {
          float v = w[o * cols + i];
          if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("weight [" + o + ", " + i + "] is " + v);
          }
          max = Math.max(max, Math.abs(v));
        }
        float scale = max / 127f;
        s[o] = scale;
        for (int i = 0; i < cols; i++) {
          q[o * cols + i] = scale == 0f ? 0 : quantize(w[o * cols + i], scale);
        }
      }
      return new Int8(q, s, 0, rows, cols);
    }

    /** {@code round(v / scale)}, half away from zero, clamped to {@code [-127, 127]}. */
    static byte quantize(float v, float scale) {
      float r = v / scale;
      int q = (int) (r < 0 ? -Math.floor(-r + 0.5f) : Math.floor(r + 0.5f));
      return (byte) Math.max(-127, Math.min(127, q));
    }

    /** The quantized value of weight {@code [row, col]}. */
    public byte quantized(int row, int col) {
      return data[(rowOffset + row) * cols + col];
    }

    /** The scale of row {@code row}. */
    public float scale(int row) {
      return scales[rowOffset + row];
    }

    @Override
    public WeightPrecision precision() {
      return WeightPrecision.INT8;
    }

    @Override
    public long streamedBytes() {
      return (long) rows * cols + 4L * rows;
    }

    @Override
    public Int8 rows(int start, int end) {
      Objects.checkFromToIndex(start, end, rows);
      return new Int8(data, scales, rowOffset + start, end - start, cols);
    }

    @Override
    public float[] dequantize() {
      float[] w = new float[rows * cols];
      for (int o = 0; o < rows; o++) {
        float scale = scales[rowOffset + o];
        int base = (rowOffset + o) * cols;
        for (int i = 0; i < cols; i++) {
          w[o * cols + i] = scale * data[base + i];
        }
      }
      return w;
    }

    @Override
    float dot(int row, float[] x, int xOff) {
      int r = rowOffset + row;
      return scales[r] * VectorKernels.dotInt8(data, r * cols, x, xOff, cols);
    }

    @Override
    void dot4(int row, float[] x, int xOff, float[] out) {
      int r = rowOffset + row;
      VectorKernels.dot4Int8(data, r * cols, x, xOff, cols, cols, out);
      for (int k = 0; k < 4; k++) {
        out[k] *= scales[r];
      }
    }
  }
}
