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
}
