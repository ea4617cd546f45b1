/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.TensorSpec;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LoraParametersTest {

  @Test
  void roundTripThroughTheAdapterIsBitExactAndInPlace() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyLora.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("c0", TinyLora.CONFIG, 3);
      ParameterSet layout = LoraParameters.read(lora, "c0");
      // 2 layers x (q_proj, v_proj) x (A, B), PEFT keys without the adapter name.
      assertThat(layout.size()).isEqualTo(8);
      assertThat(layout.names().get(0))
          .isEqualTo("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
      assertThat(layout.spec(layout.names().get(0)).shape()).containsExactly(4, 32);
      assertThat(layout.names()).allMatch(n -> !n.contains("c0"));
      assertThat(layout.specs()).allMatch(s -> s.dtype() == TensorSpec.DType.F32);

      SplittableRandom r = new SplittableRandom(5);
      float[] flat = new float[Math.toIntExact(layout.numElements())];
      for (int i = 0; i < flat.length; i++) {
        flat[i] = (float) r.nextGaussian();
      }
      ParameterSet random = layout.withFlatValues(flat);
      Map<String, NDArray> before = lora.adapterTensors("c0");
      LoraParameters.load(lora, "c0", random);
      assertThat(LoraParameters.read(lora, "c0")).isEqualTo(random);
      // The same arrays (not rebound) now hold the values.
      Map<String, NDArray> after = lora.adapterTensors("c0");
      for (String name : random.names()) {
        assertThat(after.get(name)).isSameAs(before.get(name));
        assertThat(before.get(name).toFloatArray()).isEqualTo(random.values(name));
      }
    }
  }

  @Test
  void zeroInitializedBLeavesTheModelUnchangedThroughSendAndLoad() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyLora.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      float[] base = TinyLora.logits(model, m);
      lora.add("c0", TinyLora.CONFIG, 3);
      lora.add("c1", TinyLora.CONFIG, 4);
      ParameterSet sent = LoraParameters.read(lora, "c0");
      for (String name : sent.names()) {
        if (name.contains("lora_B")) {
          assertThat(sent.values(name)).containsOnly(0f);
        }
      }
      lora.activate("c1");
      LoraParameters.load(lora, "c1", sent);
      assertThat(LoraParameters.read(lora, "c1")).isEqualTo(sent);
      assertThat(TinyLora.logits(model, m)).isEqualTo(base);
    }
  }

  @Test
  void rejectsWrongNamesShapesAndNonFiniteValuesWithoutWriting() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyLora.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("c0", TinyLora.CONFIG, 3);
      ParameterSet orig = LoraParameters.read(lora, "c0");
      String first = orig.names().get(0);

      ParameterSet.Builder renamed = ParameterSet.builder();
      ParameterSet.Builder reshaped = ParameterSet.builder();
      ParameterSet.Builder nonFinite = ParameterSet.builder();
      for (TensorSpec s : orig.specs()) {
        float[] v = orig.values(s.name());
        renamed.add(s.name().equals(first) ? TensorSpec.f32("x", 4, 32) : s, v);
        reshaped.add(s.name().equals(first) ? TensorSpec.f32(first, 32, 4) : s, v);
        float[] w = v.clone();
        if (!s.name().equals(first)) {
          w[0] = Float.NaN;
        }
        nonFinite.add(s, w);
      }
      assertThatThrownBy(() -> LoraParameters.load(lora, "c0", renamed.build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("differ from adapter 'c0'");
      assertThatThrownBy(() -> LoraParameters.load(lora, "c0", reshaped.build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(first)
          .hasMessageContaining("[32, 4]");
      assertThatThrownBy(() -> LoraParameters.load(lora, "c0", nonFinite.build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("non-finite");
      assertThatThrownBy(() -> LoraParameters.load(lora, "c0", ParameterSet.empty()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(LoraParameters.read(lora, "c0")).isEqualTo(orig);
      assertThat(List.copyOf(lora.adapters())).containsExactly("c0");
    }
  }
}
