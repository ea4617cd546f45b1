/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * LoRA gradients from DJL autograd against central finite differences, for the loss {@code L =
 * sum(logits * W)} with fixed random W.
 *
 * <p>Tolerances: the model runs in float32, so each evaluation of L carries rounding noise of about
 * {@code sqrt(T * V) * ulp(|logit|) ~ 20 * 1e-7}; a central difference divides that by {@code 2
 * eps}, i.e. ~1e-4 at eps = 1e-2 and ~1e-3 at eps = 1e-3, while its truncation error is {@code
 * O(eps^2 * L''')}, ~1e-4 at eps = 1e-2. A coordinate passes if autograd agrees with the difference
 * at either step within {@code 1e-2 * |g| + 2e-3}, and the two differences agree with each other
 * (so a wrong gradient cannot pass by luck at one step). Coordinates are the largest gradients of
 * each matrix plus random ones.
 */
class LoraGradientTest {
  static final double REL = 1e-2;
  static final double ABS = 2e-3;

  static double loss(LlamaModel model, NDManager m, float[] w) {
    float[] logits = TinyModels.logits(model, m);
    double s = 0;
    for (int i = 0; i < logits.length; i++) {
      s += (double) logits[i] * w[i];
    }
    return s;
  }

  static double centralDifference(
      LlamaModel model, NDManager m, float[] w, NDArray p, long[] at, double eps) {
    NDIndex idx = new NDIndex(at[0], at[1]);
    float x = p.get(idx).getFloat();
    p.set(idx, (float) (x + eps));
    double plus = loss(model, m, w);
    p.set(idx, (float) (x - eps));
    double minus = loss(model, m, w);
    p.set(idx, x);
    return (plus - minus) / (2 * eps);
  }

  @Test
  void autogradMatchesFiniteDifferencesAndBaseWeightsGetNoGradient() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      LoraConfig config =
          LoraConfig.builder()
              .optR(4)
              .optAlpha(8)
              .optTargets("q_proj", "v_proj", "down_proj")
              .build();
      lora.add("g", config, 1);
      TinyModels.randomize(lora, "g", 2); // B = 0 would make every A gradient zero
      int n = TinyModels.IDS.length * TinyModels.config().vocabSize();
      float[] w = new float[n];
      SplittableRandom r = new SplittableRandom(4);
      for (int i = 0; i < n; i++) {
        w[i] = (float) (2 * r.nextDouble() - 1);
      }

      Map<String, NDArray> params = lora.trainableParameters();
      try (NDManager step = m.newSubManager();
          GradientCollector gc = TensorRuntime.engine().newGradientCollector()) {
        NDArray ids = step.create(TinyModels.IDS, new Shape(1, TinyModels.IDS.length));
        NDArray logits = model.logits(ids, null);
        NDArray loss = logits.mul(step.create(w, logits.getShape())).sum();
        gc.backward(loss);
      }

      for (Linear l : model.linears().values()) {
        Linear base = l instanceof LoraLinear ll ? ll.base() : l;
        assertThat(base.weight().hasGradient()).as(base.name()).isFalse();
        assertThatThrownBy(() -> base.weight().getGradient())
            .isInstanceOf(IllegalStateException.class);
        if (base.bias() != null) {
          assertThat(base.bias().hasGradient()).isFalse();
        }
      }

      double worstRel = 0;
      double worstAbs2 = 0;
      double worstAbs3 = 0;
      double maxGrad = 0;
      double worstRatio = 0;
      int checked = 0;
      for (String key :
          List.of(
              "base_model.model.model.layers.0.self_attn.q_proj.lora_A.g.weight",
              "base_model.model.model.layers.0.self_attn.q_proj.lora_B.g.weight",
              "base_model.model.model.layers.1.self_attn.v_proj.lora_A.g.weight",
              "base_model.model.model.layers.1.mlp.down_proj.lora_B.g.weight")) {
        NDArray p = params.get(key);
        assertThat(p.hasGradient()).as(key).isTrue();
        float[] g = p.getGradient().toFloatArray();
        long cols = p.getShape().get(1);
        assertThat(TinyModels.maxAbs(g)).as(key + " gradient").isGreaterThan(1e-2);
        for (int flat : coordinates(g, r)) {
          long[] at = {flat / cols, flat % cols};
          double fd2 = centralDifference(model, m, w, p, at, 1e-2);
          double fd3 = centralDifference(model, m, w, p, at, 1e-3);
          double err = Math.min(Math.abs(g[flat] - fd2), Math.abs(g[flat] - fd3));
          assertThat(err)
              .as(
                  "%s[%d, %d]: autograd %.6f, fd(1e-2) %.6f, fd(1e-3) %.6f",
                  key, at[0], at[1], g[flat], fd2, fd3)
              .isLessThanOrEqualTo(REL * Math.abs(g[flat]) + ABS);
          assertThat(Math.abs(fd2 - fd3)).isLessThanOrEqualTo(REL * Math.abs(g[flat]) + 2 * ABS);
          if (Math.abs(g[flat]) > 0.1) {
            worstRel = Math.max(worstRel, Math.abs(g[flat] - fd2) / Math.abs(g[flat]));
          }
          worstAbs2 = Math.max(worstAbs2, Math.abs(g[flat] - fd2));
          worstAbs3 = Math.max(worstAbs3, Math.abs(g[flat] - fd3));
          maxGrad = Math.max(maxGrad, Math.abs(g[flat]));
          worstRatio = Math.max(worstRatio, err / (REL * Math.abs(g[flat]) + ABS));
          checked++;
        }
      }
      System.out.printf(
          "gradcheck: %d coordinates, max |g| %.3g; max |g - fd|: %.3g (eps 1e-2), %.3g (eps"
              + " 1e-3); worst relative error where |g| > 0.1 (eps 1e-2) %.3g; worst error / tolerance"
              + " %.2f%n",
          checked, maxGrad, worstAbs2, worstAbs3, worstRel, worstRatio);
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
}
