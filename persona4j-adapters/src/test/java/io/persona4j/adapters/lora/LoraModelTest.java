/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LoraModel on a tiny random Llama: identity at init, merge/unmerge, multi-adapter, counts. */
class LoraModelTest {
  static final LoraConfig QV =
      LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build();

  static Map<String, float[]> baseWeights(LlamaModel model) {
    Map<String, float[]> w = new HashMap<>();
    model.linears().forEach((path, l) -> w.put(path, l.weight().toFloatArray()));
    return w;
  }

  @Test
  void zeroInitializedBLeavesLogitsBitForBitUnchanged() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      float[] before = TinyModels.logits(model, m);
      List<String> targets = lora.add("default", QV, 1);
      assertThat(targets).hasSize(4);
      assertThat(lora.active()).containsExactly("default");
      assertThat(model.linears().get("model.layers.0.self_attn.q_proj"))
          .isInstanceOf(LoraLinear.class);
      assertThat(lora.units("default").values())
          .allSatisfy(
              u -> {
                assertThat(u.b().toFloatArray()).containsOnly(0f);
                assertThat(TinyModels.maxAbs(u.a().toFloatArray())).isGreaterThan(0.05);
              });
      assertThat(TinyModels.logits(model, m)).containsExactly(before);
    }
  }

  @Test
  void mergedEqualsUnmergedAndUnmergeRestoresTheBaseWeights() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      float[] base = TinyModels.logits(model, m);
      Map<String, float[]> w0 = baseWeights(model);
      lora.add("default", QV.toBuilder().optTargets("q_proj", "v_proj", "down_proj").build(), 1);
      TinyModels.randomize(lora, "default", 5);
      float[] unmerged = TinyModels.logits(model, m);
      assertThat(TinyModels.maxAbsDiff(unmerged, base)).isGreaterThan(0.1);

      lora.merge();
      float[] merged = TinyModels.logits(model, m);
      double diff = TinyModels.maxAbsDiff(merged, unmerged);
      System.out.printf("merged vs unmerged logits: max |diff| = %.3g%n", diff);
      assertThat(diff).isLessThan(1e-5);

      lora.unmerge();
      assertThat(baseWeights(model))
          .allSatisfy((path, w) -> assertThat(w).as(path).containsExactly(w0.get(path)));
      assertThat(TinyModels.logits(model, m)).containsExactly(unmerged);
    }
  }

  @Test
  void subtractStrategyRestoresTheBaseWeightsUpToRounding() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      Map<String, float[]> w0 = baseWeights(model);
      lora.add("default", QV, 1);
      TinyModels.randomize(lora, "default", 5);
      lora.setUnmergeStrategy(LoraLinear.UnmergeStrategy.SUBTRACT);
      lora.merge();
      lora.unmerge();
      double worst = 0;
      long changed = 0;
      for (Map.Entry<String, float[]> e : baseWeights(model).entrySet()) {
        float[] before = w0.get(e.getKey());
        worst = Math.max(worst, TinyModels.maxAbsDiff(e.getValue(), before));
        for (int i = 0; i < before.length; i++) {
          changed += e.getValue()[i] != before[i] ? 1 : 0;
        }
      }
      System.out.printf(
          "SUBTRACT unmerge: max |w - w0| = %.3g, %d values changed%n", worst, changed);
      assertThat(worst).isLessThan(1e-6);
    }
  }

  @Test
  void activateDeactivateAndDeleteSwitchAdapters() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      float[] base = TinyModels.logits(model, m);
      lora.add("a", QV, 1);
      lora.add("b", QV.toBuilder().optTargets("o_proj", "v_proj").build(), 2);
      TinyModels.randomize(lora, "a", 11);
      TinyModels.randomize(lora, "b", 12);
      assertThat(lora.active()).containsExactly("a");
      float[] onlyA = TinyModels.logits(model, m);
      lora.activate("b");
      float[] onlyB = TinyModels.logits(model, m);
      lora.activate("a", "b");
      float[] both = TinyModels.logits(model, m);
      assertThat(TinyModels.maxAbsDiff(onlyA, onlyB)).isGreaterThan(0.1);
      assertThat(TinyModels.maxAbsDiff(both, onlyA)).isGreaterThan(0.1);
      assertThat(TinyModels.maxAbsDiff(both, onlyB)).isGreaterThan(0.1);

      lora.deactivate("b");
      assertThat(TinyModels.logits(model, m)).containsExactly(onlyA);
      lora.deactivate("a");
      assertThat(TinyModels.logits(model, m)).containsExactly(base);

      lora.activate("a");
      lora.merge();
      assertThat(lora.isMerged()).isTrue();
      lora.activate("b");
      assertThat(lora.isMerged()).as("switching unmerges, as PEFT does").isFalse();
      assertThat(TinyModels.logits(model, m)).containsExactly(onlyB);

      lora.activate("a", "b");
      lora.merge();
      lora.delete("a");
      assertThat(lora.isMerged()).isFalse();
      assertThat(lora.adapters()).containsExactly("b");
      assertThat(TinyModels.logits(model, m)).containsExactly(onlyB);
      assertThat(model.linears().get("model.layers.0.self_attn.q_proj"))
          .as("no adapter left there: the original layer is back")
          .isNotInstanceOf(LoraLinear.class);
      assertThatThrownBy(() -> lora.activate("a")).hasMessageContaining("no adapter 'a'");
      assertThatThrownBy(() -> lora.add("b", QV, 3)).hasMessageContaining("already exists");
    }
  }

  @Test
  void closeRestoresTheOriginalLayers() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m)) {
      Map<String, Linear> original = model.linears();
      float[] base = TinyModels.logits(model, m);
      try (LoraModel lora = LoraModel.of(model, m)) {
        lora.add("x", QV.toBuilder().optTargetRegex(".*").build(), 1);
        TinyModels.randomize(lora, "x", 1);
        lora.merge();
      }
      assertThat(model.linears()).isEqualTo(original);
      assertThat(TinyModels.logits(model, m)).containsExactly(base);
    }
  }

  @Test
  void parameterCountsAndTrainableParametersUsePeftNames() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("default", QV, 1);
      // q_proj [32, 32] and v_proj [16, 32], r = 4, 2 layers: 2 * (4 * (32 + 32) + 4 * (32 + 16))
      long adapter = 2 * (4 * 64 + 4 * 48);
      assertThat(adapter).isEqualTo(896);
      long base = TinyModels.config().parameterCount();
      assertThat(lora.parameterCounts()).isEqualTo(new ParameterCounts(adapter, base + adapter));

      Map<String, NDArray> params = lora.trainableParameters();
      assertThat(params).hasSize(8);
      assertThat(params)
          .containsKeys(
              "base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight",
              "base_model.model.model.layers.1.self_attn.v_proj.lora_B.default.weight");
      assertThat(params.values()).allSatisfy(p -> assertThat(p.hasGradient()).isTrue());
      assertThat(lora.adapterTensors("default"))
          .containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");

      lora.add("other", QV, 2);
      assertThat(lora.parameterCounts())
          .isEqualTo(new ParameterCounts(adapter, base + 2 * adapter));
      lora.activate("other");
      assertThat(lora.trainableParameters().keySet()).allMatch(k -> k.contains(".other."));
      assertThat(lora.units("default").values()).noneMatch(LoraUnit::trainable);
      lora.setTrainable("other", false);
      assertThat(lora.trainableParameters()).isEmpty();
      assertThat(lora.parameterCounts().trainable()).isZero();
      assertThat(model.linears().values())
          .allSatisfy(
              l -> {
                Linear b = l instanceof LoraLinear ll ? ll.base() : l;
                assertThat(b.weight().hasGradient()).isFalse();
              });
    }
  }
}
