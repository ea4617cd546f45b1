/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.TinyConfigs;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaLayer.Proj;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layer stores q/k/v and gate/up as concatenated weights and runs one matmul per group while
 * the loaded projections are in place. These tests pin down that this is invisible through the
 * {@link Linear} API: the separate projections keep their checkpoint values and names, replacing
 * one (as an adapter does) is honoured, and in-place edits of a projection's weight (as merging an
 * adapter does) reach the concatenated matmul.
 */
class FusedProjectionsTest {
  static Stream<LlamaConfig> configs() {
    return TinyConfigs.all().stream();
  }

  /** A projection whose output is scaled: an adapter-like subclass. */
  static final class Scaled extends Linear {
    private final float factor;

    Scaled(Linear base, float factor) {
      super(base.name(), base.weight(), base.bias());
      this.factor = factor;
    }

    @Override
    public NDArray forward(NDArray x) {
      return super.forward(x).mul(factor);
    }
  }

  static float[] logits(LlamaModel model, NDManager m, long[] ids) {
    return model.logits(m.create(ids, new Shape(1, ids.length)), null).toFloatArray();
  }

  static double maxRelDiff(double[][] expected, float[] got, int v) {
    double maxDiff = 0;
    double scale = 0;
    for (int t = 0; t < expected.length; t++) {
      for (int k = 0; k < v; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(expected[t][k] - got[t * v + k]));
        scale = Math.max(scale, Math.abs(expected[t][k]));
      }
    }
    return maxDiff / scale;
  }

  static Map<String, FloatTensor> scaled(Map<String, FloatTensor> w, String name, float f) {
    Map<String, FloatTensor> out = new LinkedHashMap<>(w);
    FloatTensor t = w.get(name);
    float[] v = t.values().clone();
    for (int i = 0; i < v.length; i++) {
      v[i] *= f;
    }
    out.put(name, new FloatTensor(t.shape(), v));
    return out;
  }

  @ParameterizedTest
  @MethodSource("configs")
  void projectionsKeepTheirCheckpointValuesAndNames(LlamaConfig config) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(config, 3, 0.2f);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m)) {
      for (LlamaLayer layer : model.layers()) {
        for (Proj p : Proj.values()) {
          String name = "model.layers." + layer.index() + "." + p.suffix;
          Linear lin = layer.linear(p);
          assertThat(lin.name()).isEqualTo(name);
          FloatTensor expected = w.get(name + ".weight");
          assertThat(lin.weight().getShape()).isEqualTo(new Shape(expected.shape()));
          assertThat(lin.weight().toFloatArray()).containsExactly(expected.values());
          FloatTensor bias = w.get(name + ".bias");
          if (bias == null) {
            assertThat(lin.bias()).as(name + " has no bias").isNull();
          } else {
            assertThat(lin.bias().toFloatArray()).containsExactly(bias.values());
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void replacedAndEditedProjectionsAreHonoured(LlamaConfig config) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(config, 5, 0.2f);
    long[] ids = LlamaModelTest.randomIds(9, 7, config.vocabSize());
    int v = config.vocabSize();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m)) {
      float[] fused = logits(model, m, ids);
      assertThat(maxRelDiff(new NaiveLlama(config, w).logits(ids), fused, v)).isLessThan(1e-5);

      // The same projections as new instances: the separate path must compute the same.
      for (LlamaLayer layer : model.layers()) {
        for (Proj p : new Proj[] {Proj.K, Proj.UP}) {
          Linear old = layer.linear(p);
          layer.setLinear(p, new Linear(old.name(), old.weight(), old.bias()));
        }
      }
      float[] separate = logits(model, m, ids);
      for (int i = 0; i < fused.length; i++) {
        assertThat(separate[i]).isCloseTo(fused[i], org.assertj.core.data.Offset.offset(2e-5f));
      }

      // An adapter-like replacement of v_proj and gate_proj in layer 1: v * 2, gate * 0.5.
      LlamaLayer layer1 = model.layers().get(1);
      layer1.setLinear(Proj.V, new Scaled(layer1.linear(Proj.V), 2f));
      layer1.setLinear(Proj.GATE, new Scaled(layer1.linear(Proj.GATE), 0.5f));
      Map<String, FloatTensor> w2 = scaled(w, "model.layers.1.self_attn.v_proj.weight", 2f);
      w2 = scaled(w2, "model.layers.1.mlp.gate_proj.weight", 0.5f);
      if (w2.containsKey("model.layers.1.self_attn.v_proj.bias")) {
        w2 = scaled(w2, "model.layers.1.self_attn.v_proj.bias", 2f);
      }
      assertThat(maxRelDiff(new NaiveLlama(config, w2).logits(ids), logits(model, m, ids), v))
          .isLessThan(1e-5);
    }

    // In-place edits of a loaded projection's weight (e.g. merging an adapter) reach the
    // concatenated matmul, which still runs because the projections are untouched.
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m)) {
      LlamaLayer layer0 = model.layers().get(0);
      layer0.linear(Proj.Q).weight().muli(3f);
      layer0.linear(Proj.UP).weight().muli(-1f);
      Map<String, FloatTensor> w3 = scaled(w, "model.layers.0.self_attn.q_proj.weight", 3f);
      w3 = scaled(w3, "model.layers.0.mlp.up_proj.weight", -1f);
      assertThat(maxRelDiff(new NaiveLlama(config, w3).logits(ids), logits(model, m, ids), v))
          .isLessThan(1e-5);
    }
  }

  /**
   * A trained projection (full-parameter training marks the live weight arrays) must receive its
   * gradient, so the concatenated matmul, which does not read the parts' arrays, stands aside.
   */
  @ParameterizedTest
  @MethodSource("configs")
  void trainedProjectionsGetGradients(LlamaConfig config) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(config, 7, 0.2f);
    long[] ids = LlamaModelTest.randomIds(4, 5, config.vocabSize());
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m)) {
      LlamaLayer layer = model.layers().get(0);
      NDArray k = layer.linear(Proj.K).weight();
      NDArray up = layer.linear(Proj.UP).weight();
      k.setRequiresGradient(true);
      up.setRequiresGradient(true);
      try (ai.djl.training.GradientCollector gc = TensorRuntime.engine().newGradientCollector()) {
        NDArray logits = model.logits(m.create(ids, new Shape(1, ids.length)), null);
        gc.backward(logits.square().sum());
      }
      for (NDArray p : new NDArray[] {k, up}) {
        float[] g = p.getGradient().toFloatArray();
        double norm = 0;
        for (float x : g) {
          norm += x * x;
        }
        assertThat(norm).as("gradient of a trained projection").isGreaterThan(0);
      }
    }
  }
}
