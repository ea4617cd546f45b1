/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.io.HalfFloats;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PackedMatrixTest {

  @Test
  void int8RoundTripMatchesHandComputedValues() {
    // row 0: max |w| = 1 -> scale 1/127; 1 -> 127, -0.5 -> -63.5 -> -64 (half away from zero),
    // 0.25 -> 31.75 -> 32, 0 -> 0. row 1: max 2 -> scale 2/127; -2 -> -127, 1 -> 63.5 -> 64,
    // 0.01 -> 0.635 -> 1, -0.007 -> -0.4445 -> 0. row 2: all zero -> scale 0, q 0.
    float[] w = {1f, -0.5f, 0.25f, 0f, -2f, 1f, 0.01f, -0.007f, 0f, 0f, 0f, 0f};
    PackedMatrix.Int8 p = (PackedMatrix.Int8) PackedMatrix.pack(w, 3, 4, WeightPrecision.INT8);
    assertThat(p.scale(0)).isEqualTo(1f / 127f);
    assertThat(p.scale(1)).isEqualTo(2f / 127f);
    assertThat(p.scale(2)).isZero();
    byte[][] q = {{127, -64, 32, 0}, {-127, 64, 1, 0}, {0, 0, 0, 0}};
    for (int o = 0; o < 3; o++) {
      for (int i = 0; i < 4; i++) {
        assertThat(p.quantized(o, i)).as("q[%d,%d]", o, i).isEqualTo(q[o][i]);
      }
    }
    float[] d = p.dequantize();
    assertThat(d)
        .containsExactly(
            127 * (1f / 127f),
            -64 * (1f / 127f),
            32 * (1f / 127f),
            0f,
            -127 * (2f / 127f),
            64 * (2f / 127f),
            2f / 127f,
            0f,
            0f,
            0f,
            0f,
            0f);
    // the error of each weight is at most half a step (plus float rounding of the scale)
    for (int i = 0; i < 8; i++) {
      float step = p.scale(i / 4);
      assertThat(Math.abs(d[i] - w[i])).isLessThanOrEqualTo(step / 2 + 1e-7f);
    }
    // quantizing the dequantized values again gives the same bytes (a fixed point)
    PackedMatrix.Int8 again = (PackedMatrix.Int8) PackedMatrix.pack(d, 3, 4, WeightPrecision.INT8);
    for (int o = 0; o < 3; o++) {
      for (int i = 0; i < 4; i++) {
        assertThat(again.quantized(o, i)).isEqualTo(q[o][i]);
      }
    }
  }

  @Test
  void bf16PackingIsHalfFloatsConversionForEveryFinitePattern() {
    // every finite BF16 pattern, as its exact F32 value, packs to itself and unpacks exactly: the
    // existing exhaustive check of HalfFloats, through the packed matrix
    float[] w = new float[65536];
    int n = 0;
    for (int bits = 0; bits <= 0xFFFF; bits++) {
      if ((bits & 0x7F80) != 0x7F80) { // not Inf/NaN
        w[n++] = HalfFloats.bf16ToF32((short) bits);
      }
    }
    int cols = 256;
    int rows = n / cols;
    float[] finite = java.util.Arrays.copyOf(w, rows * cols);
    PackedMatrix.Bf16 p =
        (PackedMatrix.Bf16) PackedMatrix.pack(finite, rows, cols, WeightPrecision.BF16);
    assertThat(p.dequantize()).containsExactly(finite);
    for (int i = 0; i < finite.length; i++) {
      assertThat(p.bits(i / cols, i % cols)).isEqualTo(HalfFloats.f32ToBf16(finite[i]));
    }
    // the vector kernel widens every pattern exactly: a one-hot input selects one column
    for (int c = 0; c < cols; c += 7) {
      float[] x = new float[cols];
      x[c] = 1f;
      float[] y = p.multiply(x, 1, null);
      for (int o = 0; o < rows; o++) {
        assertThat(y[o] == finite[o * cols + c]).as("row %d col %d", o, c).isTrue();
      }
    }
    // rounding of values between patterns: to nearest even, as HalfFloats does
    float[] between = {1.00390625f, 1.01171875f, (float) Math.PI, -0.1f, 3e-39f, 65504.5f};
    PackedMatrix.Bf16 b =
        (PackedMatrix.Bf16) PackedMatrix.pack(between, 1, 6, WeightPrecision.BF16);
    assertThat(b.bits(0, 0)).isEqualTo((short) 0x3F80);
    assertThat(b.bits(0, 1)).isEqualTo((short) 0x3F82);
    assertThat(b.bits(0, 2)).isEqualTo((short) 0x4049);
    for (int i = 0; i < between.length; i++) {
      assertThat(b.bits(0, i)).isEqualTo(HalfFloats.f32ToBf16(between[i]));
    }
  }

  @Test
  void multiplyMatchesADoubleReferenceOnTheRoundedWeights() {
    SplittableRandom rnd = new SplittableRandom(7);
    // sizes around the vector length (16 floats with AVX-512): tails, one and two accumulators
    int[][] sizes = {{1, 1}, {3, 15}, {70, 37}, {65, 64}, {130, 96}, {5, 333}};
    for (WeightPrecision precision :
        new WeightPrecision[] {WeightPrecision.BF16, WeightPrecision.INT8}) {
      for (int[] s : sizes) {
        int rows = s[0];
        int cols = s[1];
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
          w[i] = (float) rnd.nextGaussian() * 0.2f;
        }
        float[] bias = new float[rows];
        for (int i = 0; i < rows; i++) {
          bias[i] = (float) rnd.nextGaussian();
        }
        PackedMatrix p = PackedMatrix.pack(w, rows, cols, precision);
        float[] d = p.dequantize();
        for (int n = 1; n <= PackedMatrix.MAX_DECODE_ROWS; n++) {
          float[] x = new float[n * cols];
          for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
          }
          float[] y = p.multiply(x, n, bias);
          // several rows at once (4-row passes) compute each row as alone, up to the order of
          // the final lane sum (reduceLanes(ADD) on floats is implementation-defined)
          for (int r = 0; r < n; r++) {
            float[] alone =
                p.multiply(java.util.Arrays.copyOfRange(x, r * cols, (r + 1) * cols), 1, bias);
            for (int o = 0; o < rows; o++) {
              assertThat(y[r * rows + o])
                  .as("%s %dx%d n=%d [%d,%d]", precision, rows, cols, n, r, o)
                  .isCloseTo(alone[o], org.assertj.core.data.Offset.offset(1e-5f));
            }
          }
          for (int r = 0; r < n; r++) {
            for (int o = 0; o < rows; o++) {
              double ref = bias[o];
              double mag = Math.abs(bias[o]);
              for (int i = 0; i < cols; i++) {
                ref += (double) d[o * cols + i] * x[r * cols + i];
                mag += Math.abs((double) d[o * cols + i] * x[r * cols + i]);
              }
              // float accumulation in another order: relative to the sum of magnitudes
              assertThat(Math.abs(y[r * rows + o] - ref))
                  .as("%s %dx%d n=%d [%d,%d]", precision, rows, cols, n, r, o)
                  .isLessThanOrEqualTo(1e-6 * mag + 1e-7);
            }
          }
        }
        // a row view computes the same rows
        if (rows > 2) {
          PackedMatrix view = p.rows(1, rows - 1);
          float[] x = new float[cols];
          for (int i = 0; i < cols; i++) {
            x[i] = (float) rnd.nextGaussian();
          }
          float[] full = p.multiply(x, 1, null);
          float[] part = view.multiply(x, 1, null);
          assertThat(part).containsExactly(java.util.Arrays.copyOfRange(full, 1, rows - 1));
          assertThat(view.dequantize())
              .containsExactly(java.util.Arrays.copyOfRange(d, cols, (rows - 1) * cols));
        }
      }
    }
  }

  @Test
  void streamedBytesCountWeightsAndScales() {
    float[] w = new float[12 * 10];
    assertThat(PackedMatrix.pack(w, 12, 10, WeightPrecision.BF16).streamedBytes()).isEqualTo(240);
    assertThat(PackedMatrix.pack(w, 12, 10, WeightPrecision.INT8).streamedBytes())
        .isEqualTo(120 + 48);
    assertThat(PackedMatrix.pack(w, 12, 10, WeightPrecision.INT8).rows(2, 5).streamedBytes())
        .isEqualTo(30 + 12);
  }

  @Test
  void badInputsAreRejectedWithTheirValues() {
    assertThatThrownBy(() -> PackedMatrix.pack(new float[4], 2, 2, WeightPrecision.F32))
        .hasMessageContaining("F32 weights are not packed: f32View reads them in place");
    assertThatThrownBy(() -> PackedMatrix.pack(new float[5], 2, 2, WeightPrecision.INT8))
        .hasMessageContaining("5 floats are not [2, 2]");
    assertThatThrownBy(
            () -> PackedMatrix.pack(new float[] {0, Float.NaN}, 1, 2, WeightPrecision.INT8))
        .hasMessageContaining("[0, 1] is NaN");
    assertThatThrownBy(
            () ->
                PackedMatrix.pack(
                    new float[] {Float.POSITIVE_INFINITY}, 1, 1, WeightPrecision.BF16))
        .hasMessageContaining("Infinity");
    PackedMatrix p = PackedMatrix.pack(new float[6], 2, 3, WeightPrecision.INT8);
    assertThatThrownBy(() -> p.multiply(new float[4], 1, null))
        .hasMessageContaining("4 floats is not 1 rows of 3");
    assertThatThrownBy(() -> p.multiply(new float[3], 1, new float[3]))
        .hasMessageContaining("bias of 3 != 2 rows");
    assertThat(WeightPrecision.parse("INT8")).isEqualTo(WeightPrecision.INT8);
    assertThat(WeightPrecision.parse("bf16")).isEqualTo(WeightPrecision.BF16);
    assertThatThrownBy(() -> WeightPrecision.parse("fp8"))
        .hasMessage("weights 'fp8' is not one of f32, bf16, int8");
  }
}
