/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The kernel on F32 memory it does not own ({@link PackedMatrix#f32View}, {@link LowRankDelta}):
 * against naive double-precision loops, for 1 to 8 input rows and lengths with vector tails. The
 * documented behaviour depends on the JDK that runs the tests: from JDK 22 on the views work; on a
 * JDK 21 runtime (the Vector API cannot read native memory there) they are refused with an {@link
 * IllegalStateException} and callers keep PyTorch. Each test checks the behaviour of the JDK it
 * runs on.
 */
class InPlaceKernelTest {
  /** Whether this JVM reads native memory with the Vector API (documented: JDK 22 and newer). */
  static final boolean IN_PLACE = Runtime.version().feature() >= 22;

  /**
   * On a JDK 21 runtime: views and low-rank terms are refused, naming the JDK they need. Returns
   * true there (the caller then has nothing else to check).
   */
  static boolean refusedBeforeJdk22() {
    assertThat(PackedMatrix.f32ViewSupported())
        .as("in-place views from JDK 22")
        .isEqualTo(IN_PLACE);
    if (IN_PLACE) {
      return false;
    }
    assertThatThrownBy(() -> PackedMatrix.f32View(direct(new float[6]), 2, 3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("JDK 22");
    assertThatThrownBy(
            () -> LowRankDelta.of(direct(new float[6]), direct(new float[6]), 2, 3, 3, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("JDK 22");
    return true;
  }

  static float[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return x;
  }

  static ByteBuffer direct(float[] values) {
    ByteBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(values);
    return b;
  }

  /** {@code x [n, cols] W^T + bias} in double precision. */
  static double[] naive(float[] x, int n, float[] w, int rows, int cols, float[] bias) {
    double[] y = new double[n * rows];
    for (int r = 0; r < n; r++) {
      for (int o = 0; o < rows; o++) {
        double s = bias == null ? 0 : bias[o];
        for (int i = 0; i < cols; i++) {
          s += (double) x[r * cols + i] * w[o * cols + i];
        }
        y[r * rows + o] = s;
      }
    }
    return y;
  }

  static void assertClose(float[] got, double[] want, double tol) {
    assertThat(got).hasSize(want.length);
    for (int i = 0; i < got.length; i++) {
      assertThat((double) got[i]).as("element %d", i).isCloseTo(want[i], within(tol));
    }
  }

  static org.assertj.core.data.Offset<Double> within(double tol) {
    return org.assertj.core.data.Offset.offset(tol);
  }

  @Test
  void f32ViewMultipliesLikeNaiveLoopsForOneToEightRows() {
    if (refusedBeforeJdk22()) {
      return;
    }
    for (int cols : new int[] {5, 64, 77, 300}) {
      int rows = 131; // three 64-row tasks, the last one partial
      float[] w = random(rows * cols, cols);
      float[] bias = random(rows, 7);
      PackedMatrix.F32View view = PackedMatrix.f32View(direct(w), rows, cols);
      assertThat(view.dequantize()).containsExactly(w);
      for (int n = 1; n <= PackedMatrix.MAX_DECODE_ROWS; n++) {
        float[] x = random(n * cols, 100 + n);
        assertClose(view.multiply(x, n, bias), naive(x, n, w, rows, cols, bias), 1e-5 * cols);
        assertClose(view.multiply(x, n, null), naive(x, n, w, rows, cols, null), 1e-5 * cols);
      }
      // a view of rows [40, 100) reads those rows of the same memory
      float[] part = java.util.Arrays.copyOfRange(w, 40 * cols, 100 * cols);
      float[] x = random(3 * cols, 9);
      assertClose(
          view.rows(40, 100).multiply(x, 3, null), naive(x, 3, part, 60, cols, null), 1e-5 * cols);
    }
  }

  @Test
  void f32ViewSeesWritesToTheMemoryItReads() {
    if (refusedBeforeJdk22()) {
      return;
    }
    float[] w = {1, 2, 3, 4, 5, 6};
    ByteBuffer b = direct(w);
    PackedMatrix view = PackedMatrix.f32View(b, 2, 3);
    float[] x = {1, 1, 1};
    assertThat(view.multiply(x, 1, null)).containsExactly(6f, 15f);
    b.putFloat(4 * 5, 16f); // W[1, 2] = 16, in place
    assertThat(view.multiply(x, 1, null)).containsExactly(6f, 25f);
  }

  @Test
  void f32ViewRejectsHeapOrMisSizedBuffers() {
    assertThatThrownBy(() -> PackedMatrix.f32View(ByteBuffer.allocate(24), 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("direct: false");
    assertThatThrownBy(() -> PackedMatrix.f32View(direct(new float[5]), 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2, 3]");
  }

  @Test
  void lowRankDeltaAddsScaleTimesBaXToItsColumnsOnly() {
    if (refusedBeforeJdk22()) {
      return;
    }
    int rank = 3;
    int in = 37;
    int out = 21;
    int yCols = 50;
    int offset = 17;
    float scale = 0.75f;
    float[] a = random(rank * in, 1);
    float[] b = random(out * rank, 2);
    LowRankDelta d = LowRankDelta.of(direct(a), direct(b), rank, in, out, scale);
    for (int n = 1; n <= PackedMatrix.MAX_DECODE_ROWS; n++) {
      float[] x = random(n * in, 10 + n);
      float[] y = random(n * yCols, 20 + n);
      double[] want = new double[y.length];
      for (int i = 0; i < y.length; i++) {
        want[i] = y[i];
      }
      for (int r = 0; r < n; r++) {
        for (int o = 0; o < out; o++) {
          double s = 0;
          for (int j = 0; j < rank; j++) {
            double t = 0;
            for (int i = 0; i < in; i++) {
              t += (double) a[j * in + i] * x[r * in + i];
            }
            s += b[o * rank + j] * t;
          }
          want[r * yCols + offset + o] += scale * s;
        }
      }
      d.addTo(x, n, y, yCols, offset);
      assertClose(y, want, 1e-5);
    }
  }

  @Test
  void lowRankDeltaRejectsShapesThatDoNotFit() {
    assertThatThrownBy(
            () -> LowRankDelta.of(direct(new float[6]), direct(new float[4]), 2, 3, 3, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2, 3] and [3, 2]");
    if (refusedBeforeJdk22()) {
      return;
    }
    LowRankDelta d = LowRankDelta.of(direct(new float[6]), direct(new float[6]), 2, 3, 3, 1);
    assertThatThrownBy(() -> d.addTo(new float[3], 1, new float[4], 4, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("columns [2, 5) of 4");
  }
}
