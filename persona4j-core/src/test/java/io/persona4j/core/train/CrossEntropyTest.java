/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import org.junit.jupiter.api.Test;

class CrossEntropyTest {
  static final float LN2 = (float) Math.log(2);

  /**
   * Logits [1, 3, 3]: row 0 is uniform (p = 1/3 each), row 1 is (0, ln 2, 0) so softmax = (1/4,
   * 1/2, 1/4), row 2 is arbitrary.
   */
  static NDArray logits(NDManager m) {
    return m.create(new float[] {0, 0, 0, 0, LN2, 0, 5, -3, 1}, new Shape(1, 3, 3));
  }

  @Test
  void tokenSumEqualsHandComputedCrossEntropy() {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray targets = m.create(new long[] {1, 1, 0}, new Shape(1, 3));
      // both rows count: -ln(1/3) - ln(1/2) = ln 6
      NDArray all = m.create(new float[] {1, 1, 0}, new Shape(1, 3));
      assertThat(CrossEntropy.tokenSum(logits(m), targets, all).getFloat())
          .isCloseTo((float) Math.log(6), within(1e-6f));
      // row 0 masked (a prompt position): ln 2 only
      NDArray completion = m.create(new float[] {0, 1, 0}, new Shape(1, 3));
      assertThat(CrossEntropy.tokenSum(logits(m), targets, completion).getFloat())
          .isCloseTo(LN2, within(1e-6f));
    }
  }

  @Test
  void maskedPositionsDoNotAffectTheLossOrReceiveGradient() {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray weights = m.create(new float[] {0, 1, 0}, new Shape(1, 3));
      float base =
          CrossEntropy.tokenSum(logits(m), m.create(new long[] {1, 1, 0}, new Shape(1, 3)), weights)
              .getFloat();
      // other labels at the masked positions 0 and 2: same loss
      float relabelled =
          CrossEntropy.tokenSum(logits(m), m.create(new long[] {2, 1, 1}, new Shape(1, 3)), weights)
              .getFloat();
      assertThat(relabelled).isEqualTo(base);
      // a different label at the counted position changes it: -ln(1/4) = 2 ln 2
      float other =
          CrossEntropy.tokenSum(logits(m), m.create(new long[] {1, 0, 0}, new Shape(1, 3)), weights)
              .getFloat();
      assertThat(other).isCloseTo(2 * LN2, within(1e-6f));

      NDArray x = logits(m);
      x.setRequiresGradient(true);
      try (GradientCollector gc = Autograd.collector()) {
        gc.backward(
            CrossEntropy.tokenSum(x, m.create(new long[] {1, 1, 0}, new Shape(1, 3)), weights));
      }
      float[] g = x.getGradient().toFloatArray();
      // rows 0 and 2 get no gradient; row 1 gets softmax - onehot = (1/4, -1/2, 1/4)
      assertThat(new float[] {g[0], g[1], g[2], g[6], g[7], g[8]}).containsOnly(0f);
      assertThat(new float[] {g[3], g[4], g[5]})
          .containsExactly(new float[] {0.25f, -0.5f, 0.25f}, within(1e-6f));
    }
  }

  @Test
  void classSumEqualsHandComputedCrossEntropy() {
    try (NDManager m = TensorRuntime.newManager()) {
      // row 0: (0, ln 2, 0) label 1 -> ln 2; row 1: (0, 0, 0) label 2 -> ln 3
      NDArray logits = m.create(new float[] {0, LN2, 0, 0, 0, 0}, new Shape(2, 3));
      NDArray labels = m.create(new long[] {1, 2}, new Shape(2));
      assertThat(CrossEntropy.classSum(logits, labels).getFloat())
          .isCloseTo((float) Math.log(6), within(1e-6f));
    }
  }

  @Test
  void shapeMismatchIsRejected() {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray targets = m.create(new long[] {1, 1}, new Shape(1, 2));
      NDArray weights = m.create(new float[] {1, 1}, new Shape(1, 2));
      assertThatThrownBy(() -> CrossEntropy.tokenSum(logits(m), targets, weights))
          .hasMessageContaining("(1, 3, 3)");
    }
  }
}
