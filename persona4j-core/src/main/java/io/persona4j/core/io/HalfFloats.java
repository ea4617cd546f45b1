/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

/**
 * Conversions between {@code float} and the 16-bit IEEE half (F16) and bfloat16 (BF16) formats.
 *
 * <p>Narrowing rounds to nearest, ties to even; NaN stays NaN (sign kept; BF16 NaNs are made
 * quiet), infinities and signed zeros are kept, overflow gives infinity and subnormals are handled
 * exactly. Widening is exact. The F16 conversions use the JDK's {@link Float#floatToFloat16} and
 * {@link Float#float16ToFloat} (intrinsics on current CPUs), which implement exactly this rounding.
 */
public final class HalfFloats {
  private HalfFloats() {}

  /** The F16 value with bits {@code h} as a float (exact). */
  public static float f16ToF32(short h) {
    return Float.float16ToFloat(h);
  }

  /** {@code f} rounded to the nearest F16 value, ties to even. */
  public static short f32ToF16(float f) {
    return Float.floatToFloat16(f);
  }

  /** The BF16 value with bits {@code b} as a float (exact: BF16 is the top half of an F32). */
  public static float bf16ToF32(short b) {
    return Float.intBitsToFloat((b & 0xFFFF) << 16);
  }

  /** {@code f} rounded to the nearest BF16 value, ties to even. */
  public static short f32ToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
      // NaN: truncating could clear every mantissa bit left (turning it into infinity), so set the
      // quiet bit, which is the top mantissa bit of both formats.
      return (short) ((bits >>> 16) | 0x0040);
    }
    // Add just under half an ulp of BF16, plus one more if the kept part is odd: a carry out of the
    // low half happens exactly when the dropped bits are above half, or at half with an odd kept
    // part. A carry into the exponent is correct too (it rounds up to the next binade or to Inf).
    int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + roundingBias) >>> 16);
  }
}
