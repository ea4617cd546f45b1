/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** {@link RowOps} against hand-computed values. */
class RowOpsTest {
  @Test
  void rmsNormMatchesHandComputedRows() {
    // row 0: (3, 4): mean square 12.5, eps 0.5 -> rms sqrt(13) ; row 1: (0, 0) -> 0 / sqrt(0.5)
    float[] y =
        RowOps.rmsNorm(new float[] {3, 4, 0, 0}, 2, FloatBuffer.wrap(new float[] {2, -1}), 0.5f);
    double rms = Math.sqrt(13);
    assertThat((double) y[0]).isCloseTo(3 / rms * 2, within(1e-6));
    assertThat((double) y[1]).isCloseTo(-4 / rms, within(1e-6));
    assertThat(y[2]).isZero();
    assertThat(y[3]).isZero();
    assertThatThrownBy(() -> RowOps.rmsNorm(new float[3], 2, FloatBuffer.wrap(new float[2]), 0f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 rows of 2");
  }

  @Test
  void siluMulMatchesHandComputedValues() {
    // one row, inter 2: gate (0, 2), up (5, -1): silu(0) = 0, silu(2) = 2 / (1 + e^-2)
    float[] y = RowOps.siluMul(new float[] {0, 2, 5, -1}, 1, 2);
    assertThat(y[0]).isZero();
    assertThat((double) y[1]).isCloseTo(-2 / (1 + Math.exp(-2)), within(1e-6));
    assertThatThrownBy(() -> RowOps.siluMul(new float[5], 1, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ropeRotatesTheFirstHeadsAndScalesTheQueries() {
    // one row of 3 heads of 2 (the third untouched): rotate_half(x0, x1) = (-x1, x0)
    float c = 0.6f;
    float n = 0.8f;
    float[] y = {1, 2, 3, 4, 5, 6};
    RowOps.rope(y, 1, 6, 2, 2, new float[] {c, c}, new float[] {n, n}, 1, 0.5f);
    assertThat((double) y[0]).isCloseTo(0.5 * (1 * c - 2 * n), within(1e-6)); // query: scaled
    assertThat((double) y[1]).isCloseTo(0.5 * (2 * c + 1 * n), within(1e-6));
    assertThat((double) y[2]).isCloseTo(3 * c - 4 * n, within(1e-6)); // key: not scaled
    assertThat((double) y[3]).isCloseTo(4 * c + 3 * n, within(1e-6));
    assertThat(y[4]).isEqualTo(5f);
    assertThat(y[5]).isEqualTo(6f);
    assertThatThrownBy(
            () -> RowOps.rope(new float[6], 1, 6, 4, 2, new float[2], new float[2], 1, 1f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 heads of 2");
  }
}
