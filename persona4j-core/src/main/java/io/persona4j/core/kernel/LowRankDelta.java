/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A low-rank term {@code scale * x A^T B^T} (an unmerged LoRA adapter) that the small-batch decode
 * kernel adds to the columns of a projection's output, so that an active adapter costs no PyTorch
 * op: {@code A [rank, in]} and {@code B [out, rank]} are F32 arrays read in place (direct buffers
 * over PyTorch's memory, no copy). Made per call by the caller, which re-reads the addresses each
 * time.
 */
public final class LowRankDelta {
  private final Object aSegment;
  private final ByteBuffer a;
  private final FloatBuffer b;
  private final int rank;
  private final int in;
  private final int out;
  private final float scale;

  private LowRankDelta(ByteBuffer a, FloatBuffer b, int rank, int in, int out, float scale) {
    this.aSegment = NativeFloats.segment(a);
    this.a = a;
    this.b = b;
    this.rank = rank;
    this.in = in;
    this.out = out;
    this.scale = scale;
  }

  /**
   * @param a {@code [rank, in]} floats, a direct buffer
   * @param b {@code [out, rank]} floats, a direct buffer
   * @throws IllegalArgumentException if a buffer is not direct, a size does not fit or scale is not
   *     finite
   * @throws IllegalStateException if {@link PackedMatrix#f32ViewSupported()} is false
   */
  public static LowRankDelta of(
      ByteBuffer a, ByteBuffer b, int rank, int in, int out, float scale) {
    if (rank < 1 || in < 1 || out < 1) {
      throw new IllegalArgumentException(
          "rank " + rank + ", in " + in + ", out " + out + " must be >= 1");
    }
    if (!a.isDirect()
        || !b.isDirect()
        || a.capacity() != 4L * rank * in
        || b.capacity() != 4L * out * rank) {
      throw new IllegalArgumentException(
          "A of "
              + a.capacity()
              + " bytes and B of "
              + b.capacity()
              + " are not ["
              + rank
              + ", "
              + in
              + "] and ["
              + out
              + ", "
              + rank
              + "] floats");
    }
    if (!Float.isFinite(scale)) {
      throw new IllegalArgumentException("scale " + scale + " is not finite");
    }
    if (!NativeFloats.AVAILABLE) {
      throw new IllegalStateException("low-rank kernel terms need JDK 22 or newer");
    }
    ByteOrder o = ByteOrder.nativeOrder();
    return new LowRankDelta(
        a.duplicate().order(o), b.duplicate().order(o).asFloatBuffer(), rank, in, out, scale);
  }

  /** Input features. */
  public int in() {
    return in;
  }

  /** Output features. */
  public int out() {
    return out;
  }

  /**
   * {@code y[r, colOffset + o] += scale * sum_j B[o, j] (sum_i A[j, i] x[r, i])} for the {@code n}
   * rows of {@code x [n, in]}, {@code y [n, yCols]} (row-major).
   */
  public void addTo(float[] x, int n, float[] y, int yCols, int colOffset) {
    if (x.length != (long) n * in || y.length != (long) n * yCols || colOffset + out > yCols) {
      throw new IllegalArgumentException(
          "x of "
              + x.length
              + " / y of "
              + y.length
              + " floats do not fit "
              + n
              + " rows of in "
              + in
              + ", columns ["
              + colOffset
              + ", "
              + (colOffset + out)
              + ") of "
              + yCols);
    }
    float[] t = new float[rank];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < rank; j++) {
        t[j] = scale * VectorKernels.dotF32(aSegment, a, 4L * j * in, x, r * in, in);
      }
      int base = r * yCols + colOffset;
      int bOff = 0;
      for (int o = 0; o < out; o++) {
        float s = 0f;
        for (int j = 0; j < rank; j++) {
          s += b.get(bOff++) * t[j];
        }
        y[base + o] += s;
      }
    }
  }
}
