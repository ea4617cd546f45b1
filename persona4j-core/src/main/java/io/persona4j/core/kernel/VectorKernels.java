/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

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
}
