/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PEFT's module matching rules, on decoder and BERT module paths. */
class TargetSelectorTest {
  static final List<String> DECODER =
      paths(
          "model.layers.%d.",
          3,
          "self_attn.q_proj",
          "self_attn.k_proj",
          "self_attn.v_proj",
          "self_attn.o_proj",
          "mlp.gate_proj",
          "mlp.up_proj",
          "mlp.down_proj");
  static final List<String> BERT =
      paths(
          "encoder.layer.%d.",
          2,
          "attention.self.query",
          "attention.self.key",
          "attention.self.value",
          "attention.output.dense",
          "intermediate.dense",
          "output.dense");

  static List<String> paths(String prefix, int layers, String... suffixes) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      for (String s : suffixes) {
        out.add(String.format(prefix, i) + s);
      }
    }
    return out;
  }

  static List<String> select(LoraConfig.Builder b, List<String> available) {
    return TargetSelector.select(b.build(), available);
  }

  @Test
  void namesMatchWholeDotSeparatedSuffixes() {
    assertThat(select(LoraConfig.builder().optTargets("q_proj", "v_proj"), DECODER))
        .containsExactly(
            "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
            "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj",
            "model.layers.2.self_attn.q_proj", "model.layers.2.self_attn.v_proj");
    assertThat(select(LoraConfig.builder().optTargets("self_attn.o_proj", "proj"), DECODER))
        .as("'proj' is not a dot-separated suffix of any path")
        .hasSize(3)
        .allMatch(p -> p.endsWith("o_proj"));
    assertThat(select(LoraConfig.builder().optTargets("model.layers.1.mlp.up_proj"), DECODER))
        .containsExactly("model.layers.1.mlp.up_proj");
  }

  @Test
  void bertNamesAndDefaults() {
    assertThat(select(LoraConfig.builder().optTargets("query", "key", "value", "dense"), BERT))
        .hasSize(12);
    assertThat(select(LoraConfig.builder().optTargets("dense"), BERT))
        .containsExactly(
            "encoder.layer.0.attention.output.dense", "encoder.layer.0.intermediate.dense",
            "encoder.layer.0.output.dense", "encoder.layer.1.attention.output.dense",
            "encoder.layer.1.intermediate.dense", "encoder.layer.1.output.dense");
    assertThat(select(LoraConfig.builder().optTargets((TargetModules) null), BERT))
        .as("PEFT's default for BERT")
        .containsExactly(
            "encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.value",
            "encoder.layer.1.attention.self.query", "encoder.layer.1.attention.self.value");
    assertThat(select(LoraConfig.builder().optTargets((TargetModules) null), DECODER))
        .as("PEFT's default for Llama")
        .hasSize(6)
        .allMatch(p -> p.endsWith("q_proj") || p.endsWith("v_proj"));
  }

  @Test
  void aStringIsARegexThatMustMatchTheWholePath() {
    assertThat(select(LoraConfig.builder().optTargetRegex(".*\\.(q|k)_proj"), DECODER)).hasSize(6);
    assertThat(
            select(
                LoraConfig.builder().optTargetRegex("model\\.layers\\.[02]\\.mlp\\..*"), DECODER))
        .hasSize(6)
        .noneMatch(p -> p.contains("layers.1"));
    assertThatThrownBy(() -> select(LoraConfig.builder().optTargetRegex("q_proj"), DECODER))
        .as("re.fullmatch: a bare name as a regex string matches no full path")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("regex 'q_proj'");
    assertThat(select(LoraConfig.builder().optTargetRegex("all-linear"), DECODER)).hasSize(21);
  }

  @Test
  void excludeModulesToSaveAndLayersToTransform() {
    assertThat(
            select(
                LoraConfig.builder()
                    .optTargetRegex("all-linear")
                    .optExclude(TargetModules.names("mlp.down_proj", "k_proj")),
                DECODER))
        .hasSize(15)
        .noneMatch(p -> p.endsWith("down_proj") || p.endsWith("k_proj"));
    assertThat(
            select(
                LoraConfig.builder().optTargets("q_proj").optLayersToTransform(List.of(0, 2)),
                DECODER))
        .containsExactly("model.layers.0.self_attn.q_proj", "model.layers.2.self_attn.q_proj");
    assertThat(
            select(
                LoraConfig.builder()
                    .optTargets("query")
                    .optLayersToTransform(List.of(1))
                    .optLayersPattern(List.of("layer")),
                BERT))
        .containsExactly("encoder.layer.1.attention.self.query");
    assertThat(
            select(
                LoraConfig.builder().optTargets("dense").optModulesToSave("intermediate.dense"),
                BERT))
        .as("modules_to_save are never adapted")
        .hasSize(4)
        .noneMatch(p -> p.contains("intermediate"));
  }

  @Test
  void noMatchListsTheModelsModuleNamesAndLeavesTheModelUnchanged() throws Exception {
    assertThatThrownBy(() -> select(LoraConfig.builder().optTargets("c_attn", "c_proj"), DECODER))
        .hasMessageContaining("[c_attn, c_proj]")
        .hasMessageContaining("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj")
        .hasMessageContaining("model.layers.0.self_attn.q_proj");
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m)) {
      Map<String, io.persona4j.core.model.Linear> before = model.linears();
      LoraConfig config = LoraConfig.builder().optTargets("query", "value").build();
      assertThatThrownBy(() -> LoraInjector.inject(model, config, "x", 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("matched none of the model's 14 linear layers")
          .hasMessageContaining("gate_proj");
      assertThat(model.linears()).isEqualTo(before);
    }
  }
}
