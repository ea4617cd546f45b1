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
import io.persona4j.core.io.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {
  static final float[] P0 = {1.0f, -2.0f, 0.5f};
  static final float[] C = {0.5f, 0.5f, -1.0f};

  /** PyTorch's AdamW in double, written out independently of the implementation. */
  static double[] reference(int steps, double lr, double wd, double b1, double b2, double eps) {
    double[] p = QuadraticLoss.toDouble(P0);
    double[] m = new double[p.length];
    double[] v = new double[p.length];
    for (int t = 1; t <= steps; t++) {
      double[] g = QuadraticLoss.gradient(p, C);
      for (int i = 0; i < p.length; i++) {
        p[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        double mHat = m[i] / (1 - Math.pow(b1, t));
        double vHat = v[i] / (1 - Math.pow(b2, t));
        p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
      }
    }
    return p;
  }

  static float[] run(AdamW opt, int steps, double lr) {
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
  void firstStepsMatchHandComputedValues() {
    // Step 1 by hand: g = p + c = (1.5, -1.5, -0.5). Bias correction makes m^ = g and v^ = g^2,
    // so the Adam update is lr * g / (|g| + eps) = 0.1 * sign(g) (to 1e-8 relative). Decoupled
    // decay first scales p by 1 - lr * wd = 0.999: p = (0.999, -1.998, 0.4995) - 0.1 * sign(g)
    // = (0.899, -1.898, 0.5995).
    try (AdamW opt = AdamW.builder().build()) {
      assertThat(opt.config().beta1()).isEqualTo(0.9);
      assertThat(opt.config().beta2()).isEqualTo(0.999);
      assertThat(opt.config().epsilon()).isEqualTo(1e-8);
      assertThat(opt.config().weightDecay()).isEqualTo(0.01);
      float[] p1 = run(opt, 1, 0.1);
      assertThat(p1[0]).isCloseTo(0.899f, within(1e-6f));
      assertThat(p1[1]).isCloseTo(-1.898f, within(1e-6f));
      assertThat(p1[2]).isCloseTo(0.5995f, within(1e-6f));
    }
    // Step 2 for p[0] by hand: g2 = 0.899 + 0.5 = 1.399; m = 0.9 * 0.15 + 0.1 * 1.399 = 0.2749,
    // m^ = 0.2749 / (1 - 0.81) = 1.4468421; v = 0.999 * 0.00225 + 0.001 * 1.399^2 = 0.004204951,
    // v^ = v / (1 - 0.998001) = 2.1035273, sqrt = 1.4503542; p = 0.899 * 0.999 - 0.1 * 1.4468421
    // / 1.4503542 = 0.898101 - 0.0997578 = 0.7983432.
    try (AdamW opt = AdamW.builder().build()) {
      assertThat(run(opt, 2, 0.1)[0]).isCloseTo(0.7983432f, within(1e-6f));
    }
  }

  @Test
  void fiveStepsMatchDoublePrecisionReference() {
    double lr = 0.05;
    double wd = 0.1;
    try (AdamW opt =
        AdamW.builder().optBetas(0.8, 0.99).optEpsilon(1e-6).optWeightDecay(wd).build()) {
      float[] got = run(opt, 5, lr);
      double[] want = reference(5, lr, wd, 0.8, 0.99, 1e-6);
      for (int i = 0; i < got.length; i++) {
        assertThat((double) got[i]).as("p[%d]", i).isCloseTo(want[i], within(2e-6));
      }
      assertThat(opt.step("p")).isEqualTo(5);
    }
  }

  @Test
  void weightDecayIsDecoupledFromTheGradient() {
    // A zero gradient leaves m = v = 0, so the Adam term is 0 / (0 + eps) = 0 and only the decay
    // acts: p * (1 - lr * wd) = p * (1 - 0.1 * 0.5) = 0.95 p, whatever Adam's moments say.
    try (NDManager m = TensorRuntime.newManager();
        AdamW opt = AdamW.builder().optWeightDecay(0.5).build()) {
      NDArray p = m.create(new float[] {2f, -4f}, new Shape(2));
      TrainableParameters params = TrainableParameters.of(Map.of("p", p));
      try (GradientCollector gc = Autograd.collector()) {
        gc.backward(p.mul(m.zeros(new Shape(2))).sum());
      }
      opt.step(params, 0.1);
      assertThat(p.toFloatArray()).containsExactly(1.9f, -3.8f);
    }
  }

  @Test
  void onlyTrainableParametersWithGradientsGetUpdatesAndState() {
    try (NDManager m = TensorRuntime.newManager();
        AdamW opt = AdamW.builder().build()) {
      NDArray p = m.create(new float[] {1f, 2f}, new Shape(2));
      NDArray unused = m.create(new float[] {3f}, new Shape(1));
      NDArray frozen = m.create(new float[] {5f, 6f}, new Shape(2));
      Map<String, NDArray> map = new LinkedHashMap<>();
      map.put("p", p);
      map.put("unused", unused);
      TrainableParameters params = TrainableParameters.of(map);
      try (GradientCollector gc = Autograd.collector()) {
        gc.backward(p.mul(frozen).sum());
      }
      assertThat(frozen.hasGradient()).isFalse();
      assertThat(params.gradient("unused", m)).isNull();
      opt.step(params, 0.1);
      assertThat(frozen.toFloatArray()).containsExactly(5f, 6f);
      assertThat(unused.toFloatArray()).containsExactly(3f);
      assertThat(p.toFloatArray()[0]).isCloseTo(1f * 0.999f - 0.1f, within(1e-6f));
      Map<String, HostTensor> state = opt.state();
      assertThat(state.keySet()).containsExactly("p/exp_avg", "p/exp_avg_sq", "p/step");
      assertThat(state.get("p/step").data().getLong(0)).isEqualTo(1);
      // exp_avg = (1 - beta1) * g with g = frozen = (5, 6)
      assertThat(state.get("p/exp_avg").data().asFloatBuffer().get(1))
          .isCloseTo(0.6f, within(1e-6f));
    }
  }

  @Test
  void stateRoundTripContinuesIdentically() throws Exception {
    float[] straight;
    try (AdamW opt = AdamW.builder().build()) {
      straight = run(opt, 4, 0.1);
    }
    try (NDManager m = TensorRuntime.newManager();
        AdamW first = AdamW.builder().build();
        AdamW second = AdamW.builder().build()) {
      NDArray p = m.create(P0.clone(), new Shape(3));
      TrainableParameters params = TrainableParameters.of(Map.of("p", p));
      for (int t = 0; t < 4; t++) {
        params.zeroGradients();
        QuadraticLoss.backward(p, C);
        (t < 2 ? first : second).step(params, 0.1);
        if (t == 1) {
          second.loadState(first.state(), params, java.nio.file.Path.of("mem"));
        }
      }
      assertThat(p.toFloatArray()).containsExactly(straight);
    }
  }

  @Test
  void loadStateRejectsMismatchedShapesNamingTheTensor() {
    try (NDManager m = TensorRuntime.newManager();
        AdamW opt = AdamW.builder().build()) {
      NDArray p = m.create(new float[] {1f, 2f}, new Shape(2));
      TrainableParameters params = TrainableParameters.of(Map.of("p", p));
      Map<String, HostTensor> state = new LinkedHashMap<>();
      state.put("p/exp_avg", HostTensor.f32(new long[] {3}, new float[3]));
      state.put("p/exp_avg_sq", HostTensor.f32(new long[] {2}, new float[2]));
      state.put("p/step", HostTensor.i64(new long[0], new long[] {1}));
      assertThatThrownBy(() -> opt.loadState(state, params, java.nio.file.Path.of("opt.st")))
          .hasMessageContaining("opt.st")
          .hasMessageContaining("p/exp_avg")
          .hasMessageContaining("F32[3]");
      state.put("p/exp_avg", HostTensor.f32(new long[] {2}, new float[2]));
      state.put("q/exp_avg", HostTensor.f32(new long[] {2}, new float[2]));
      assertThatThrownBy(() -> opt.loadState(state, params, java.nio.file.Path.of("opt.st")))
          .hasMessageContaining("q/exp_avg")
          .hasMessageContaining("unexpected");
    }
  }

  @Test
  void invalidHyperParametersAreRejected() {
    assertThatThrownBy(() -> AdamW.builder().optBetas(1.0, 0.999).build())
        .hasMessageContaining("beta1");
    assertThatThrownBy(() -> AdamW.builder().optEpsilon(0).build()).hasMessageContaining("epsilon");
    assertThatThrownBy(() -> AdamW.builder().optWeightDecay(-1).build())
        .hasMessageContaining("weight decay");
    try (AdamW opt = AdamW.builder().build();
        NDManager m = TensorRuntime.newManager()) {
      TrainableParameters params =
          TrainableParameters.of(Map.of("p", m.create(new float[] {1f}, new Shape(1))));
      assertThatThrownBy(() -> opt.step(params, Double.NaN)).hasMessageContaining("learning rate");
    }
  }

  @Test
  void parameterGroupsRunAtTheirMultipliedRate() {
    float[] alone = run(AdamW.builder().build(), 4, 0.05 * 0.3);
    float[] plain = run(AdamW.builder().build(), 4, 0.05);
    try (NDManager m = TensorRuntime.newManager();
        AdamW opt =
            AdamW.builder()
                .optLrMultiplier("router.", 0.3)
                .optLrMultiplier("router.x", 2)
                .build()) {
      assertThat(opt.lrMultiplier("router.w")).isEqualTo(0.3);
      assertThat(opt.lrMultiplier("router.x1")).isEqualTo(2.0);
      assertThat(opt.lrMultiplier("experts.a")).isEqualTo(1.0);
      assertThat(opt.hyperParameters()).containsEntry("lr_multiplier:router.", 0.3);
      NDArray r = m.create(P0.clone(), new Shape(3));
      NDArray e = m.create(P0.clone(), new Shape(3));
      TrainableParameters params =
          TrainableParameters.of(new java.util.LinkedHashMap<>(Map.of("router.w", r, "e", e)));
      for (int t = 0; t < 4; t++) {
        params.zeroGradients();
        QuadraticLoss.backward(r, C);
        QuadraticLoss.backward(e, C);
        opt.step(params, 0.05);
      }
      assertThat(r.toFloatArray()).containsExactly(alone);
      assertThat(e.toFloatArray()).containsExactly(plain);
    }
    assertThatThrownBy(() -> AdamW.builder().optLrMultiplier("x", -1).build())
        .hasMessageContaining("'x'");
  }
}
