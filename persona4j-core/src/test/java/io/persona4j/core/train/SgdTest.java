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
import io.persona4j.core.TensorRuntime;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SgdTest {
  static final float[] P0 = {1.0f, -2.0f, 0.5f};
  static final float[] C = {0.5f, 0.5f, -1.0f};

  /** PyTorch's SGD in double, written out independently of the implementation. */
  static double[] reference(
      int steps, double lr, double momentum, double dampening, double wd, boolean nesterov) {
    double[] p = QuadraticLoss.toDouble(P0);
    double[] buf = null;
    for (int t = 1; t <= steps; t++) {
      double[] g = QuadraticLoss.gradient(p, C);
      for (int i = 0; i < p.length; i++) {
        g[i] += wd * p[i];
      }
      if (momentum != 0) {
        if (buf == null) {
          buf = g.clone();
        } else {
          for (int i = 0; i < p.length; i++) {
            buf[i] = momentum * buf[i] + (1 - dampening) * g[i];
          }
        }
        for (int i = 0; i < p.length; i++) {
          g[i] = nesterov ? g[i] + momentum * buf[i] : buf[i];
        }
      }
      for (int i = 0; i < p.length; i++) {
        p[i] -= lr * g[i];
      }
    }
    return p;
  }

  static float[] run(Sgd opt, int steps, double lr) {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray p = m.create(P0.clone(), new Shape(3));
      TrainableParameters params = TrainableParameters.of(Map.of("p", p));
      for (int t = 0; t < steps; t++) {
        params.zeroGradients();
        QuadraticLoss.backward(p, C);
        opt.step(params, lr);
      }
      return p.toFloatArray();
    }
  }

  @Test
  void plainStepIsLearningRateTimesGradient() {
    // g = p + c = (1.5, -1.5, -0.5); p - 0.1 g = (0.85, -1.85, 0.55). No state is kept.
    try (Sgd opt = Sgd.builder().build()) {
      assertThat(run(opt, 1, 0.1))
          .containsExactly(new float[] {0.85f, -1.85f, 0.55f}, within(1e-7f));
      assertThat(opt.state()).isEmpty();
    }
  }

  @Test
  void momentumWithDampeningAndWeightDecayMatchesHandComputedValues() {
    // momentum 0.9, dampening 0.1, weight decay 0.01, lr 0.1.
    // Step 1: g = p + c + 0.01 p = (1.51, -1.52, -0.495); the buffer starts as a copy of g (no
    //   dampening on the first step); p = p - 0.1 g = (0.849, -1.848, 0.5495).
    // Step 2: g = (0.849 + 0.5 + 0.00849, ...) = (1.35749, ...); buffer = 0.9 * 1.51 + 0.9 *
    //   1.35749 = 2.580741; p[0] = 0.849 - 0.2580741 = 0.5909259.
    try (Sgd opt = Sgd.builder().optMomentum(0.9).optDampening(0.1).optWeightDecay(0.01).build()) {
      float[] p = run(opt, 2, 0.1);
      assertThat(p[0]).isCloseTo(0.5909259f, within(1e-6f));
      assertThat(p[1]).isCloseTo(-1.5882168f, within(1e-6f));
      assertThat(p[2]).isCloseTo(0.6341005f, within(1e-6f));
      assertThat(opt.state().keySet()).containsExactly("p/momentum_buffer", "p/step");
    }
  }

  @Test
  void fiveStepsMatchDoublePrecisionReference() {
    try (Sgd plain = Sgd.builder().optMomentum(0.8).optWeightDecay(0.05).build();
        Sgd nesterov = Sgd.builder().optMomentum(0.8).optNesterov(true).build()) {
      float[] a = run(plain, 5, 0.07);
      float[] b = run(nesterov, 5, 0.07);
      double[] wantA = reference(5, 0.07, 0.8, 0, 0.05, false);
      double[] wantB = reference(5, 0.07, 0.8, 0, 0, true);
      for (int i = 0; i < 3; i++) {
        assertThat((double) a[i]).as("momentum p[%d]", i).isCloseTo(wantA[i], within(2e-6));
        assertThat((double) b[i]).as("nesterov p[%d]", i).isCloseTo(wantB[i], within(2e-6));
      }
      assertThat(a[0]).isNotEqualTo(b[0]);
    }
  }

  @Test
  void invalidSettingsAreRejected() {
    assertThatThrownBy(() -> Sgd.builder().optMomentum(1.5).build())
        .hasMessageContaining("momentum");
    assertThatThrownBy(() -> Sgd.builder().optNesterov(true).build())
        .hasMessageContaining("Nesterov");
    assertThatThrownBy(() -> Sgd.builder().optDampening(2).build())
        .hasMessageContaining("dampening");
  }
}
