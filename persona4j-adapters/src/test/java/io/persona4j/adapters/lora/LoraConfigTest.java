/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.core.io.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Binding PEFT's adapter_config.json: defaults, both target forms, scales and rejections. */
class LoraConfigTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode minimal() {
    ObjectNode n = JSON.createObjectNode();
    n.put("peft_type", "LORA");
    n.put("r", 8);
    n.put("lora_alpha", 16);
    n.putArray("target_modules").add("q_proj").add("v_proj");
    return n;
  }

  @Test
  void realPeftConfigBindsWithItsExtraFieldsIgnored() throws Exception {
    Path golden = GoldenAdapterTest.resource("/golden/causal_lm");
    JsonNode raw = JSON.readTree(golden.resolve(LoraConfigs.FILE_NAME).toFile());
    assertThat(raw.has("megatron_core")).as("the file carries fields Persona4j ignores").isTrue();
    LoraConfig c = LoraConfigs.read(golden);
    assertThat(c.peftType()).isEqualTo("LORA");
    assertThat(c.r()).isEqualTo(4);
    assertThat(c.loraAlpha()).isEqualTo(8.0);
    assertThat(c.loraDropout()).isEqualTo(0.05);
    assertThat(c.targetModules()).isEqualTo(TargetModules.names("q_proj", "v_proj", "down_proj"));
    assertThat(c.taskType()).isEqualTo("CAUSAL_LM");
    assertThat(c.baseModelNameOrPath()).isEqualTo("persona4j/golden-base");
    assertThat(c.modulesToSave()).isEmpty();
    assertThat(c.persona4j()).isNull();

    LoraConfig regex = LoraConfigs.read(GoldenAdapterTest.resource("/golden/seq_cls"));
    assertThat(regex.targetModules().names()).isNull();
    assertThat(regex.targetModules().regex()).startsWith("model\\.layers\\.");
    assertThat(regex.modulesToSave()).containsExactly("classifier", "score");
  }

  @Test
  void defaultsAreFilledAsPeftDoes() {
    ObjectNode n = JSON.createObjectNode();
    n.put("peft_type", "LORA");
    LoraConfig c = LoraConfigs.parse(n);
    assertThat(c.r()).isEqualTo(8);
    assertThat(c.loraAlpha()).isEqualTo(8.0);
    assertThat(c.loraDropout()).isZero();
    assertThat(c.bias()).isEqualTo("none");
    assertThat(c.fanInFanOut()).isFalse();
    assertThat(c.useRslora()).isFalse();
    assertThat(c.initLoraWeights()).isEqualTo(true);
    assertThat(c.targetModules()).isNull();
  }

  @Test
  void scaleIsAlphaOverROrOverSqrtRWithRsloraAndFollowsThePatterns() {
    LoraConfig c = LoraConfig.builder().optR(16).optAlpha(32).build();
    assertThat(c.scale("model.layers.0.self_attn.q_proj")).isEqualTo(2.0);
    assertThat(c.toBuilder().optRslora(true).build().scale("x.q_proj")).isEqualTo(8.0);
    LoraConfig patterned =
        c.toBuilder()
            .optRankPattern(Map.of("o_proj", 4, "layers\\.1\\.mlp\\..*", 2))
            .optAlphaPattern(Map.of("o_proj", 2.0))
            .build();
    assertThat(patterned.rank("model.layers.0.self_attn.o_proj")).isEqualTo(4);
    assertThat(patterned.scale("model.layers.0.self_attn.o_proj")).isEqualTo(0.5);
    assertThat(patterned.rank("model.layers.1.mlp.up_proj")).isEqualTo(2);
    assertThat(patterned.rank("model.layers.0.mlp.up_proj")).isEqualTo(16);
    assertThat(patterned.rank("model.layers.0.self_attn.xo_proj"))
        .as("a pattern matches after a dot only")
        .isEqualTo(16);
  }

  @Test
  void writeThenReadGivesTheSameConfig(@TempDir Path dir) throws Exception {
    LoraConfig c =
        LoraConfig.builder()
            .optR(4)
            .optAlpha(12.5)
            .optDropout(0.1)
            .optTargetRegex(".*\\.(q|v)_proj")
            .optRslora(true)
            .optModulesToSave("score")
            .optTaskType("SEQ_CLS")
            .optLayersToTransform(null)
            .optRankPattern(Map.of("q_proj", 2))
            .build()
            .forSaving();
    LoraConfigs.write(c, dir);
    assertThat(LoraConfigs.read(dir)).isEqualTo(c);
    JsonNode raw = JSON.readTree(dir.resolve(LoraConfigs.FILE_NAME).toFile());
    assertThat(raw.get("target_modules").asText()).isEqualTo(".*\\.(q|v)_proj");
    assertThat(raw.get("persona4j").get("format_version").asText())
        .isEqualTo(AdapterProvenance.FORMAT_VERSION);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "peft_type|\"PREFIX_TUNING\"|'PREFIX_TUNING'",
        "bias|\"all\"|only 'none'",
        "bias|\"lora_only\"|only 'none'",
        "fan_in_fan_out|true|only false",
        "r|0|rank must be > 0",
        "r|8.5|'r'",
        "r|\"8\"|'r'",
        "lora_dropout|1.0|[0, 1)",
        "task_type|\"CAUSAL\"|SEQ_CLS",
        "use_dora|true|DoRA",
        "lora_bias|true|lora_B",
        "layer_replication|[[0, 1]]|layer replication",
        "init_lora_weights|\"pissa_niter_4\"|convert them to plain LoRA",
        "init_lora_weights|\"olora\"|'olora'",
        "target_modules|\"(unclosed\"|not a valid regular expression",
        "target_modules|[1, 2]|module names must be strings",
        "rank_pattern|{\"q_proj\": 0}|ranks must be > 0",
        "persona4j|{\"format_version\": \"2\"}|reads '1'",
        "persona4j|{\"code_version\": \"x\"}|format_version' = null",
      })
  void invalidOrUnsupportedFieldsAreRejectedNamingFieldAndValue(
      String field, String json, String fragment, @TempDir Path dir) throws Exception {
    ObjectNode n = minimal();
    n.set(field, JSON.readTree(json));
    Files.writeString(dir.resolve(LoraConfigs.FILE_NAME), n.toString());
    assertThatThrownBy(() -> LoraConfigs.read(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.resolve(LoraConfigs.FILE_NAME).toString())
        .hasMessageContaining(field)
        .hasMessageContaining(fragment);
  }

  @Test
  void malformedFilesNameTheFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve(LoraConfigs.FILE_NAME);
    Files.writeString(f, "{\"peft_type\": \"LORA\", \"r\": 4, \"r\": 8}");
    assertThatThrownBy(() -> LoraConfigs.read(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("Duplicate field 'r'");
    Files.writeString(f, "[1, 2]");
    assertThatThrownBy(() -> LoraConfigs.read(dir)).hasMessageContaining("expected a JSON object");
    Files.writeString(f, "{\"r\": 4}");
    assertThatThrownBy(() -> LoraConfigs.read(dir)).hasMessageContaining("peft_type");
    Files.delete(f);
    assertThatThrownBy(() -> LoraConfigs.read(dir))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @Test
  void targetModulesAcceptNamesOrOneRegex() throws Exception {
    LoraConfig names = LoraConfigs.parse(minimal());
    assertThat(names.targetModules().names()).containsExactly("q_proj", "v_proj");
    ObjectNode n = minimal();
    n.put("target_modules", "all-linear");
    assertThat(LoraConfigs.parse(n).targetModules().isAllLinear()).isTrue();
    n.putArray("layers_to_transform").add(1);
    n.put("target_modules", ".*q_proj");
    assertThatThrownBy(() -> LoraConfigs.parse(n)).hasMessageContaining("layers_to_transform");
    ObjectNode single = minimal();
    single.put("layers_to_transform", 1);
    single.put("layers_pattern", "layers");
    LoraConfig c = LoraConfigs.parse(single);
    assertThat(c.layersToTransform()).isEqualTo(List.of(1));
    assertThat(c.layersPattern()).isEqualTo(List.of("layers"));
  }
}
