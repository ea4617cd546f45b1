/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products of one packed weight row with an F32 vector, on the Java Vector API (the JVM needs
 * {@code --add-modules jdk.incubator.vector}). Two accumulators hide the FMA latency; the tail is
 * scalar. Summation order differs from PyTorch's, so results agree to rounding, not bit for bit.
 */
final class VectorKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final VectorSpecies<Byte> B =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
  private static final VectorSpecies<Integer> I =
      VectorSpecies.of(int.class, VectorShape.forBitSize(L * 32));

  private VectorKernels() {}

  /**
   * {@code sum_i x[xOff + i] * w[i]} for {@code n} native-order floats of the direct buffer {@code
   * wb} (whose segment is {@code w}, {@link NativeFloats#segment}) from byte offset {@code wOff}.
   */
  static float dotF32(Object w, ByteBuffer wb, long wOff, float[] x, int xOff, int n) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int i = 0;
    for (int upper = n - 2 * L; i <= upper; i += 2 * L) {
      acc0 = load(w, wOff, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
      acc1 = load(w, wOff, i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
    }
    for (int upper = n - L; i <= upper; i += L) {
      acc0 = load(w, wOff, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += wb.getFloat((int) (wOff + 4L * i)) * x[xOff + i];
    }
    return sum;
  }

  private static FloatVector load(Object w, long wOff, int i) {
    return NativeFloats.load(F, w, wOff + 4L * i);
  }

  /** {@link #dotF32} of one weight row with 4 input rows at once (as {@link #dot4Bf16}). */
  static void dot4F32(
      Object w, ByteBuffer wb, long wOff, float[] x, int xOff, int stride, int n, float[] out) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector b0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector b1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector b2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    FloatVector b3 = FloatVector.zero(F);
    int x1 = xOff + stride;
    int x2 = x1 + stride;
    int x3 = x2 + stride;
    int i = 0;
    for (int upper = n - 2 * L; i <= upper; i += 2 * L) {
      FloatVector u = load(w, wOff, i);
      FloatVector v = load(w, wOff, i + L);
      a0 = u.fma(FloatVector.fromArray(F, x, xOff + i), a0);
      b0 = v.fma(FloatVector.fromArray(F, x, xOff + i + L), b0);
      a1 = u.fma(FloatVector.fromArray(F, x, x1 + i), a1);
      b1 = v.fma(FloatVector.fromArray(F, x, x1 + i + L), b1);
      a2 = u.fma(FloatVector.fromArray(F, x, x2 + i), a2);
      b2 = v.fma(FloatVector.fromArray(F, x, x2 + i + L), b2);
      a3 = u.fma(FloatVector.fromArray(F, x, x3 + i), a3);
      b3 = v.fma(FloatVector.fromArray(F, x, x3 + i + L), b3);
    }
    for (int upper = n - L; i <= upper; i += L) {
      FloatVector u = load(w, wOff, i);
      a0 = u.fma(FloatVector.fromArray(F, x, xOff + i), a0);
      a1 = u.fma(FloatVector.fromArray(F, x, x1 + i), a1);
      a2 = u.fma(FloatVector.fromArray(F, x, x2 + i), a2);
      a3 = u.fma(FloatVector.fromArray(F, x, x3 + i), a3);
    }
    float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
    float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
    float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
    float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      float wi = wb.getFloat((int) (wOff + 4L * i));
      s0 += wi * x[xOff + i];
      s1 += wi * x[x1 + i];
      s2 += wi * x[x2 + i];
      s3 += wi * x[x3 + i];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  /** {@code sum_i x[xOff + i] * y[yOff + i]} for {@code n} elements of two float arrays. */
  static float dot(float[] y, int yOff, float[] x, int xOff, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (int upper = n - L; i <= upper; i += L) {
      acc = FloatVector.fromArray(F, y, yOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += y[yOff + i] * x[xOff + i];
    }
    return sum;
  }

  /** {@code sum_i x[xOff + i] * bf16(w[wOff + i])} for {@code n} elements. */
  static float dotBf16(short[] w, int wOff, float[] x, int xOff, int n) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int i = 0;
    for (int upper = n - 2 * L; i <= upper; i += 2 * L) {
      acc0 = widen(w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
      acc1 = widen(w, wOff + i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
    }
    for (int upper = n - L; i <= upper; i += L) {
      acc0 = widen(w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += Float.intBitsToFloat((w[wOff + i] & 0xFFFF) << 16) * x[xOff + i];
    }
    return sum;
  }

  private static FloatVector widen(short[] w, int off) {
    IntVector wide =
        (IntVector) ShortVector.fromArray(S, w, off).convertShape(VectorOperators.S2I, I, 0);
    return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }

  /** {@code sum_i x[xOff + i] * q[qOff + i]} for {@code n} elements (the caller applies scales). */
  static float dotInt8(byte[] q, int qOff, float[] x, int xOff, int n) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int i = 0;
    for (int upper = n - 2 * L; i <= upper; i += 2 * L) {
      acc0 = widen(q, qOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
      acc1 = widen(q, qOff + i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
    }
    for (int upper = n - L; i <= upper; i += L) {
      acc0 = widen(q, qOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += q[qOff + i] * x[xOff + i];
    }
    return sum;
  }

  private static FloatVector widen(byte[] q, int off) {
    return (FloatVector) ByteVector.fromArray(B, q, off).convertShape(VectorOperators.B2F, F, 0);
  }

  /**
   * {@link #dotBf16} of one weight row with 4 input rows at once ({@code xOff + k * stride}, k =
   * 0..3), each widened chunk used 4 times; the same accumulation order per row as {@link #dotBf16}
   * up to the final lane sum, whose order {@code reduceLanes} leaves to the platform.
   */
  static void dot4Bf16(short[] w, int wOff, float[] x, int xOff, int stride, int n, float[] out) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector b0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector b1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector b2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    FloatVector b3 = FloatVector.zero(F);
    int x1 = xOff + stride;
    int x2 = x1 + stride;
    int x3 = x2 + stride;
    int i = 0;
    for (int upper = n - 2 * L; i <= upper; i += 2 * L) {
      FloatVector u = widen(w, wOff + i);
      FloatVector v = widen(w, wOff + i + L);
      a0 = u.fma(FloatVector.fromArray(F, x, xOff + i), a0);
      b0 = v.fma(FloatVector.fromArray(F, x, xOff + i + L), b0);
      a1 = u.fma(FloatVector.fromArray(F, x, x1 + i), a1);
      b1 = v.fma(FloatVector.fromArray(F, x, x1 + i + L), b1);
      a2 = u.fma(FloatVector.fromArray(F, x, x2 + i), a2);
      b2 = v.fma(FloatVector.fromArray(F, x, x2 + i + L), b2);
      a3 = u.fma(FloatVector.fromArray(F, x, x3 + i), a3);
      b3 = v.fma(FloatVector.fromArray(F, x, x3 + i + L), b3);
    }
    for (int upper = n - L; i <= upper; i += L) {
      FloatVector u = widen(w, wOff + i);
      a0 = u.fma(FloatVector.fromArray(F, x, xOff + i), a0);
      a1 = u.fma(FloatVector.fromArray(F, x, x1 + i), a1);
      a2 = u.fma(FloatVector.fromArray(F, x, x2 + i), a2);
      a3 = u.fma(FloatVector.fromArray(F, x, x3 + i), a3);
    }
    float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
    float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
    float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
    float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      float wi = Float.intBitsToFloat((w[wOff + i] & 0xFFFF) << 16);
      s0 += wi * x[xOff + i];
      s1 += wi * x[x1 + i];
      s2 += wi * x[x2 + i];
      s3 += wi * x[x3 + i];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  /** {@link #dotInt8} of one weight row with 4 input rows at once (as {@link #dot4Bf16}). */
  static void dot4Int8(byte[] q, int qOff, float[] x, int xOff, int stride, int n, float[] out) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector b0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector b1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector b2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    FloatVector b3 = FloatVector.zero(F);
    int x1 = xOff + stride;
    int x2 = x1 + stride;
    int x3 = x2 + stride;
    int i = 0;
    for (int upper = n - 2 * L; i <= upper; i += 2 * L) {
      FloatVector u = widen(q, qOff + i);
      FloatVector v = widen(q, qOff + i + L);
      a0 = u.fma(FloatVector.fromArray(F, x, xOff + i), a0);
      b0 = v.fma(FloatVector.fromArray(F, x, xOff + i + L), b0);
      a1 = u.fma(FloatVector.fromArray(F, x, x1 + i), a1);
      b1 = v.fma(FloatVector.fromArray(F, x, x1 + i + L), b1);
      a2 = u.fma(FloatVector.fromArray(F, x, x2 + i), a2);
      b2 = v.fma(FloatVector.fromArray(F, x, x2 + i + L), b2);
      a3 = u.fma(FloatVector.fromArray(F, x, x3 + i), a3);
      b3 = v.fma(FloatVector.fromArray(F, x, x3 + i + L), b3);
    }
    for (int upper = n - L; i <= upper; i += L) {
      FloatVector u = widen(q, qOff + i);
      a0 = u.fma(FloatVector.fromArray(F, x, xOff + i), a0);
      a1 = u.fma(FloatVector.fromArray(F, x, x1 + i), a1);
      a2 = u.fma(FloatVector.fromArray(F, x, x2 + i), a2);
      a3 = u.fma(FloatVector.fromArray(F, x, x3 + i), a3);
    }
    float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
    float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
    float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
    float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      float qi = q[qOff + i];
      s0 += qi * x[xOff + i];
      s1 += qi * x[x1 + i];
      s2 += qi * x[x2 + i];
      s3 += qi * x[x3 + i];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }
}
