/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * F16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; subnormals are m * 2^-24. BF16: 1
 * sign bit, 8 exponent bits (bias 127), 7 mantissa bits: the top half of an F32, so an F32 rounds
 * to BF16 by its low 16 bits (exactly half = 0x8000).
 */
class HalfFloatsTest {

  private static short f16(float f) {
    return HalfFloats.f32ToF16(f);
  }

  private static short bf16(float f) {
    return HalfFloats.f32ToBf16(f);
  }

  @Test
  void f16FromFloatMatchesHandComputedBits() {
    // 1.0 = 1.0 * 2^0: exponent 0+15 = 01111, mantissa 0 -> 0 01111 0000000000
    assertThat(f16(1.0f)).isEqualTo((short) 0x3C00);
    // -2.0 = -1.0 * 2^1: sign 1, exponent 16 = 10000 -> 1 10000 0000000000
    assertThat(f16(-2.0f)).isEqualTo((short) 0xC000);
    // 65504 = (2 - 2^-10) * 2^15, the largest half: exponent 30 = 11110, mantissa all ones
    assertThat(f16(65504f)).isEqualTo((short) 0x7BFF);
    // ulp at 2^15 is 2^5 = 32, so the midpoint above 65504 is 65520; 65519 is below it
    assertThat(f16(65519f)).isEqualTo((short) 0x7BFF);
    // 65520 ties between 0x7BFF (odd mantissa) and 2^16 (exponent 31 = Inf): even wins -> Inf
    assertThat(f16(65520f)).isEqualTo((short) 0x7C00);
    assertThat(f16(1e6f)).isEqualTo((short) 0x7C00);
    assertThat(f16(-1e6f)).isEqualTo((short) 0xFC00);
    // 2^-24 is the smallest subnormal (m = 1)
    assertThat(f16(0x1p-24f)).isEqualTo((short) 0x0001);
    // 2^-25 ties between 0 (even) and 2^-24 (odd) -> 0; 1.5 * 2^-25 is above the tie -> 2^-24
    assertThat(f16(0x1p-25f)).isEqualTo((short) 0x0000);
    assertThat(f16(0x1.8p-25f)).isEqualTo((short) 0x0001);
    // 2^-14 is the smallest normal (exponent 1); 2^-14 - 2^-24 = 1023 * 2^-24 the largest subnormal
    assertThat(f16(0x1p-14f)).isEqualTo((short) 0x0400);
    assertThat(f16(0x1p-14f - 0x1p-24f)).isEqualTo((short) 0x03FF);
    // far below 2^-25: zero, keeping the sign
    assertThat(f16(1e-10f)).isEqualTo((short) 0x0000);
    assertThat(f16(-1e-10f)).isEqualTo((short) 0x8000);
    // ulp at 1 is 2^-10. 1 + 2^-11 ties between 0x3C00 (even) and 0x3C01 -> 0x3C00
    assertThat(f16(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);
    // 1 + 3 * 2^-11 ties between 0x3C01 (odd) and 0x3C02 (even) -> 0x3C02
    assertThat(f16(1f + 0x3p-11f)).isEqualTo((short) 0x3C02);
    // just above the first tie -> rounds up
    assertThat(f16(1f + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3C01);
    // 0.1f = 1.6000000238 * 2^-4: exponent 11 = 01011; mantissa 0.6000000238 * 1024 = 614.4 -> 614
    // = 0x266 -> 0 01011 1001100110 = 0x2E66
    assertThat(f16(0.1f)).isEqualTo((short) 0x2E66);
    assertThat(f16(0.0f)).isEqualTo((short) 0x0000);
    assertThat(f16(-0.0f)).isEqualTo((short) 0x8000);
    assertThat(f16(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7C00);
    assertThat(f16(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xFC00);
    assertThat(f16NaN(f16(Float.NaN))).isTrue();
    assertThat(f16NaN(f16(Float.intBitsToFloat(0x7F80_0001)))).isTrue(); // payload in low bits only
    assertThat(f16NaN(f16(Float.intBitsToFloat(0xFFC0_0000)))).isTrue();
  }

  @Test
  void f16ToFloatMatchesHandComputedValues() {
    // 0x3555 = 0 01101 0101010101 = 2^-2 * (1 + 341/1024) = 1365/4096
    assertThat(HalfFloats.f16ToF32((short) 0x3555)).isEqualTo(0.333251953125f);
    assertThat(HalfFloats.f16ToF32((short) 0x3C00)).isEqualTo(1.0f);
    assertThat(HalfFloats.f16ToF32((short) 0xC000)).isEqualTo(-2.0f);
    assertThat(HalfFloats.f16ToF32((short) 0x7BFF)).isEqualTo(65504f);
    assertThat(HalfFloats.f16ToF32((short) 0x0001)).isEqualTo(0x1p-24f);
    assertThat(HalfFloats.f16ToF32((short) 0x8001)).isEqualTo(-0x1p-24f);
    assertThat(HalfFloats.f16ToF32((short) 0x03FF)).isEqualTo(1023 * 0x1p-24f);
    assertThat(HalfFloats.f16ToF32((short) 0x0400)).isEqualTo(0x1p-14f);
    assertThat(Float.floatToRawIntBits(HalfFloats.f16ToF32((short) 0x8000))).isEqualTo(0x8000_0000);
    assertThat(HalfFloats.f16ToF32((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(HalfFloats.f16ToF32((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(HalfFloats.f16ToF32((short) 0x7E00)).isNaN();
    assertThat(HalfFloats.f16ToF32((short) 0x7C01)).isNaN();
  }

  @Test
  void bf16FromFloatMatchesHandComputedBits() {
    // 1.0f = 0x3F800000 -> top half 0x3F80; -2.0f = 0xC0000000 -> 0xC000
    assertThat(bf16(1.0f)).isEqualTo((short) 0x3F80);
    assertThat(bf16(-2.0f)).isEqualTo((short) 0xC000);
    // 1.00390625 = 1 + 2^-8 = 0x3F808000: the low half 0x8000 is exactly half an ulp (2^-7) and
    // the kept 0x3F80 is even -> 0x3F80
    assertThat(bf16(1.00390625f)).isEqualTo((short) 0x3F80);
    // 1 + 3 * 2^-8 = 1.01171875 = 0x3F818000: a tie with odd 0x3F81 -> up to 0x3F82
    assertThat(bf16(1.01171875f)).isEqualTo((short) 0x3F82);
    // 0x3F808001: above the tie -> 0x3F81; 0x3F807FFF: below it -> 0x3F80
    assertThat(bf16(Float.intBitsToFloat(0x3F80_8001))).isEqualTo((short) 0x3F81);
    assertThat(bf16(Float.intBitsToFloat(0x3F80_7FFF))).isEqualTo((short) 0x3F80);
    // pi = 0x40490FDB: low half 0x0FDB < 0x8000 -> 0x4049
    assertThat(bf16((float) Math.PI)).isEqualTo((short) 0x4049);
    // Float.MAX_VALUE = 0x7F7FFFFF: low half above the tie, the carry reaches the exponent -> Inf
    assertThat(bf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80);
    // the largest BF16, 0x7F7F0000 = (2 - 2^-7) * 2^127, is exact
    assertThat(bf16(Float.intBitsToFloat(0x7F7F_0000))).isEqualTo((short) 0x7F7F);
    // subnormals: 2^-133 = 0x00010000 is the smallest BF16 subnormal, exact
    assertThat(bf16(0x1p-133f)).isEqualTo((short) 0x0001);
    // 2^-134 = 0x00008000 ties between 0 (even) and 0x0001 -> 0; 3 * 2^-134 = 0x00018000 ties
    // between 0x0001 (odd) and 0x0002 -> 0x0002; 2^-149 = 0x00000001 is far below -> 0
    assertThat(bf16(0x1p-134f)).isEqualTo((short) 0x0000);
    assertThat(bf16(0x3p-134f)).isEqualTo((short) 0x0002);
    assertThat(bf16(Float.MIN_VALUE)).isEqualTo((short) 0x0000);
    assertThat(bf16(-0.0f)).isEqualTo((short) 0x8000);
    assertThat(bf16(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7F80);
    assertThat(bf16(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xFF80);
    // NaN stays NaN even when all its payload is in the dropped low half (truncation would give
    // 0x7F80 = Inf): the quiet bit 0x0040 is set
    assertThat(bf16(Float.NaN)).isEqualTo((short) 0x7FC0);
    assertThat(bf16(Float.intBitsToFloat(0x7F80_0001))).isEqualTo((short) 0x7FC0);
    assertThat(bf16(Float.intBitsToFloat(0xFFC0_0000))).isEqualTo((short) 0xFFC0);
  }

  @Test
  void bf16ToFloatIsTheTopHalf() {
    assertThat(HalfFloats.bf16ToF32((short) 0x3F80)).isEqualTo(1.0f);
    assertThat(HalfFloats.bf16ToF32((short) 0xBFC0)).isEqualTo(-1.5f);
    assertThat(HalfFloats.bf16ToF32((short) 0x0001)).isEqualTo(0x1p-133f);
    assertThat(HalfFloats.bf16ToF32((short) 0xFF80)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(HalfFloats.bf16ToF32((short) 0x7FC0)).isNaN();
  }

  @Test
  void everyHalfPatternSurvivesWideningAndNarrowing() {
    for (int bits = 0; bits <= 0xFFFF; bits++) {
      short h = (short) bits;
      float f16 = HalfFloats.f16ToF32(h);
      float b16 = HalfFloats.bf16ToF32(h);
      if (f16NaN(h)) {
        assertThat(f16).isNaN();
        assertThat(f16NaN(f16(f16))).as("F16 NaN %04x", bits).isTrue();
      } else {
        assertThat(f16(f16)).as("F16 %04x", bits).isEqualTo(h);
      }
      if ((bits & 0x7F80) == 0x7F80 && (bits & 0x7F) != 0) {
        assertThat(b16).isNaN();
        assertThat(HalfFloats.bf16ToF32(bf16(b16))).as("BF16 NaN %04x", bits).isNaN();
      } else {
        assertThat(bf16(b16)).as("BF16 %04x", bits).isEqualTo(h);
      }
    }
  }

  @Test
  void narrowingRoundsToNearestEvenLikeAReferenceInDouble() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 200_000; i++) {
      float f =
          switch (i % 3) {
            case 0 -> Float.intBitsToFloat(random.nextInt()); // any float
            case 1 -> (float) random.nextDouble(-70_000, 70_000); // F16 normal range and overflow
            default -> (float) (random.nextDouble(-1, 1) * 0x1p-13); // F16 subnormals
          };
      if (Float.isNaN(f)) {
        continue;
      }
      assertThat(f16(f)).as("F16 of %s", f).isEqualTo(reference(f, true));
      assertThat(bf16(f)).as("BF16 of %s", f).isEqualTo(reference(f, false));
    }
  }

  /**
   * Rounds {@code f} by brute force: takes the largest non-negative pattern whose value is <= |f|
   * and the next one (the pattern after the largest finite is Inf, standing for 2^16 resp. 2^128 in
   * IEEE's overflow rule), compares exact distances in double, and breaks ties to the even one.
   */
  private static short reference(float f, boolean f16) {
    double a = Math.abs((double) f);
    int maxFinite = f16 ? 0x7BFF : 0x7F7F;
    int lo = 0;
    int hi = maxFinite + 1;
    while (hi - lo > 1) { // invariant: value(lo) <= a, and a < value(hi) unless hi is Inf
      int mid = (lo + hi) >>> 1;
      if (value(mid, f16) <= a) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    int up = lo + 1;
    double upValue = up > maxFinite ? (f16 ? 0x1p16 : 0x1p128) : value(up, f16);
    double below = a - value(lo, f16);
    double above = upValue - a;
    int magnitude = below < above || (below == above && (lo & 1) == 0) ? lo : up;
    if (Double.isInfinite(a)) {
      magnitude = maxFinite + 1;
    }
    return (short) (magnitude | (f < 0 || Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0));
  }

  private static double value(int bits, boolean f16) {
    return f16 ? HalfFloats.f16ToF32((short) bits) : HalfFloats.bf16ToF32((short) bits);
  }

  private static boolean f16NaN(short h) {
    return (h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0;
  }
}
