/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.persona4j.adapters.lora.TinyModels;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.NativeMemoryChurn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Gradients of A, B and the router from DJL autograd against central finite differences, for {@code
 * L = sum(logits * W)} on a batch of two sequences with different gates (so the per-row gating is
 * differentiated too); and their independence from a garbage collection before backward.
 *
 * <p>Tolerances as in the lora package's gradient check: float32 rounding noise in L is ~2e-6 per
 * evaluation, i.e. ~1e-4 in a difference at eps = 1e-2 and ~1e-3 at eps = 1e-3; truncation error
 * ~1e-4 at eps = 1e-2. A coordinate passes if autograd agrees with either difference within {@code
 * 1e-2 |g| + 2e-3} and the two differences agree with each other.
 */
class MoeGradientTest {
  static final double REL = 1e-2;
  static final double ABS = 2e-3;
  static final long[][] ROWS = {TinyModels.IDS, MoeFixtures.OTHER_IDS};

  /** A trainable linear-gate mixture with random experts and router, and its loss weights. */
  record Setup(LlamaModel model, MoeLoraModel moe, NDArray gateInput, float[] w) {}

  static Setup setup(NDManager m, double dropout) throws IOException {
    LlamaModel model = TinyModels.llama(m);
    MoeLoraModel moe = MoeLoraModel.of(model, m);
    moe.add("g", MoeFixtures.small(GateType.LINEAR).toBuilder().optDropout(dropout).build(), 1);
    MoeFixtures.randomize(moe, 2); // B = 0 would make the A and router gradients zero
    int n = 2 * TinyModels.IDS.length * TinyModels.config().vocabSize();
    float[] w = new float[n];
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < n; i++) {
      w[i] = (float) (2 * r.nextDouble() - 1);
    }
    return new Setup(model, moe, MoeFixtures.gateInputs(m, 2, 8, 6), w);
  }

  /** The loss as an array on {@code step}, the gate computed from the inputs in this pass. */
  static NDArray loss(Setup s, NDManager step) {
    s.moe().setGateInput(s.gateInput());
    long[] flat = new long[2 * TinyModels.IDS.length];
    System.arraycopy(ROWS[0], 0, flat, 0, ROWS[0].length);
    System.arraycopy(ROWS[1], 0, flat, ROWS[0].length, ROWS[1].length);
    NDArray ids = step.create(flat, new Shape(2, ROWS[0].length));
    NDArray logits = s.model().logits(ids, null);
    return logits.mul(step.create(s.w(), logits.getShape())).sum();
  }

  static double lossValue(Setup s, NDManager m) {
    try (NDManager step = m.newSubManager()) {
      return loss(s, step).getFloat();
    }
  }

  static double centralDifference(Setup s, NDManager m, NDArray p, long[] at, double eps) {
    NDIndex idx = new NDIndex(at[0], at[1]);
    float x = p.get(idx).getFloat();
    p.set(idx, (float) (x + eps));
    double plus = lossValue(s, m);
    p.set(idx, (float) (x - eps));
    double minus = lossValue(s, m);
    p.set(idx, x);
    return (plus - minus) / (2 * eps);
  }

  @Test
  void autogradMatchesFiniteDifferencesForExpertsAndRouter() throws Exception {
    try (NDManager m = TensorRuntime.newManager()) {
      Setup s = setup(m, 0);
      float[] g0 = null;
      Map<String, NDArray> params = s.moe().trainableParameters().all();
      try (NDManager step = m.newSubManager();
          GradientCollector gc = TensorRuntime.engine().newGradientCollector()) {
        gc.backward(loss(s, step));
        g0 = s.moe().gate().toFloatArray();
      }
      assertThat(Math.abs(g0[0] - g0[2])).as("rows have different gates").isGreaterThan(0.05f);
      SplittableRandom r = new SplittableRandom(8);
      double worst = 0;
      int checked = 0;
      for (String key :
          List.of(
              "base_model.model.model.layers.0.self_attn.q_proj.lora_A.g.weight",
              "base_model.model.model.layers.1.mlp.down_proj.lora_B.g.weight",
              "base_model.model.model.layers.1.self_attn.v_proj.lora_A.g.weight",
              "moe_gate.g.router.weight")) {
        NDArray p = params.get(key);
        assertThat(p).as(key).isNotNull();
        float[] g = p.getGradient().toFloatArray();
        assertThat(TinyModels.maxAbs(g)).as(key + " gradient").isGreaterThan(1e-2);
        long cols = p.getShape().get(1);
        for (int flat : coordinates(g, r)) {
          long[] at = {flat / cols, flat % cols};
          double fd2 = centralDifference(s, m, p, at, 1e-2);
          double fd3 = centralDifference(s, m, p, at, 1e-3);
          double err = Math.min(Math.abs(g[flat] - fd2), Math.abs(g[flat] - fd3));
          double tol = REL * Math.abs(g[flat]) + ABS;
          assertThat(err)
              .as("%s[%d, %d]: autograd %.6f, fd %.6f / %.6f", key, at[0], at[1], g[flat], fd2, fd3)
              .isLessThanOrEqualTo(tol);
          assertThat(Math.abs(fd2 - fd3)).isLessThanOrEqualTo(REL * Math.abs(g[flat]) + 2 * ABS);
          worst = Math.max(worst, err / tol);
          checked++;
        }
      }
      System.out.printf(
          "moe gradcheck: %d coordinates (A, B, router), worst error / tolerance %.2f%n",
          checked, worst);
      s.moe().close();
      s.model().close();
    }
  }

  /** The 3 largest |g| plus 2 random coordinates. */
  static List<Integer> coordinates(float[] g, SplittableRandom r) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < g.length; i++) {
      idx.add(i);
    }
    idx.sort(Comparator.comparingDouble(i -> -Math.abs(g[i])));
    List<Integer> out = new ArrayList<>(idx.subList(0, 3));
    out.add(r.nextInt(g.length));
    out.add(r.nextInt(g.length));
    return out;
  }

  /** Gradients with dropout 0.3 in training mode, a fresh model each call. */
  static Map<String, float[]> gradients(boolean churn) throws IOException {
    try (NDManager m = TensorRuntime.newManager()) {
      Setup s = setup(m, 0.3);
      s.moe().train(true);
      List<ByteBuffer> keep = new ArrayList<>();
      try (NDManager step = m.newSubManager();
          GradientCollector gc = TensorRuntime.engine().newGradientCollector()) {
        NDArray loss = loss(s, step);
        if (churn) {
          keep.addAll(NativeMemoryChurn.run());
        }
        gc.backward(loss);
      }
      assertThat(keep).hasSize(churn ? 2500 : 0);
      Map<String, float[]> out = new LinkedHashMap<>();
      s.moe()
          .trainableParameters()
          .all()
          .forEach((k, v) -> out.put(k, v.getGradient().toFloatArray()));
      s.moe().close();
      s.model().close();
      return out;
    }
  }

  @Test
  void gradientsSurviveAGarbageCollectionBeforeBackward() throws IOException {
    Map<String, float[]> clean = gradients(false);
    assertThat(clean).containsKey("moe_gate.g.router.weight").hasSize(13);
    assertThat(TinyModels.maxAbs(clean.get("moe_gate.g.router.weight"))).isGreaterThan(0);
    for (int trial = 0; trial < 2; trial++) {
      Map<String, float[]> churned = gradients(true);
      assertThat(churned.keySet()).isEqualTo(clean.keySet());
      for (String k : clean.keySet()) {
        assertThat(churned.get(k)).as("%s (trial %d)", k, trial).containsExactly(clean.get(k));
      }
    }
  }
}
