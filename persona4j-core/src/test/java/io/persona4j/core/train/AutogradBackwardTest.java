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
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import org.junit.jupiter.api.Test;

/** {@link Autograd#record}, {@link Autograd#backward} and {@link Autograd#gradientOf}. */
class AutogradBackwardTest {

  @Test
  void vectorJacobianProductMatchesHandDerivative() {
    float[] w0 = {0.5f, -2f, 3f};
    float[] x0 = {1.5f, 4f, -1f};
    float[] g0 = {2f, 0.25f, -3f};
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray w = m.create(w0);
      w.setRequiresGradient(true);
      NDArray x = m.create(x0);
      NDArray y;
      try (Autograd.Recording ignored = Autograd.record()) {
        y = w.mul(w).mul(x); // y_i = w_i^2 x_i
      }
      Autograd.backward(y, m.create(g0));
      float[] grad = Autograd.gradientOf(w, m).toFloatArray();
      for (int i = 0; i < 3; i++) {
        assertThat(grad[i]).isCloseTo(2 * w0[i] * x0[i] * g0[i], within(1e-6f)); // dy/dw = 2 w x
      }
    }
  }

  @Test
  void twoStageBackwardThroughACutEqualsOneBackward() {
    float[] a0 = {0.3f, -0.7f, 1.1f, 0.2f};
    float[] x0 = {1f, 2f, -0.5f, 0.25f};
    float[] b0 = {2f, -1f, 0.5f, 3f};
    float[] full;
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray a = m.create(a0);
      a.setRequiresGradient(true);
      try (GradientCollector gc = Autograd.collector()) {
        gc.backward(m.create(x0).mul(a).tanh().mul(m.create(b0)).sum());
      }
      full = Autograd.gradientOf(a, m).toFloatArray();
    }
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray a = m.create(a0);
      a.setRequiresGradient(true);
      NDArray u;
      try (Autograd.Recording ignored = Autograd.record()) {
        u = m.create(x0).mul(a); // party 1
      }
      NDArray cut = m.create(u.toFloatArray()); // what travels: values only
      cut.setRequiresGradient(true);
      NDArray loss;
      try (Autograd.Recording ignored = Autograd.record()) {
        loss = cut.tanh().mul(m.create(b0)).sum(); // party 2
      }
      Autograd.backward(loss, m.ones(loss.getShape()));
      NDArray dCut = Autograd.gradientOf(cut, m);
      Autograd.backward(u, m.create(dCut.toFloatArray())); // party 1 with the returned gradient
      float[] split = Autograd.gradientOf(a, m).toFloatArray();
      for (int i = 0; i < 4; i++) {
        double t = Math.tanh(x0[i] * a0[i]);
        assertThat(split[i]).isCloseTo((float) (b0[i] * (1 - t * t) * x0[i]), within(1e-6f));
        assertThat(split[i]).isCloseTo(full[i], within(1e-7f));
      }
    }
  }

  @Test
  void recordingRestoresTheModeAndShapesMustMatch() {
    try (NDManager m = TensorRuntime.newManager();
        Autograd.NoGrad off = Autograd.noGrad()) {
      try (Autograd.Recording on = Autograd.record()) {
        assertThat(JniUtils.isGradMode()).isTrue();
      }
      assertThat(JniUtils.isGradMode()).isFalse();
      NDArray y = m.create(new float[] {1, 2});
      assertThatThrownBy(() -> Autograd.backward(y, m.create(new float[] {1, 2, 3})))
          .hasMessageContaining("(3)")
          .hasMessageContaining("(2)");
      assertThat(Autograd.gradientOf(m.create(new float[] {1f}), m)).isNull();
    }
  }
}
