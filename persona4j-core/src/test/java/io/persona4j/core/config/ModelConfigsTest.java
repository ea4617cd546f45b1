/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Abridged from Meta's Llama-3.2-1B config.json. */
  static final String LLAMA32 =
      """
      {"architectures":["LlamaForCausalLM"],"attention_bias":false,"bos_token_id":128000,
       "eos_token_id":128001,"head_dim":64,"hidden_act":"silu","hidden_size":2048,
       "intermediate_size":8192,"max_position_embeddings":131072,"mlp_bias":false,
       "model_type":"llama","num_attention_heads":32,"num_hidden_layers":16,
       "num_key_value_heads":8,"rms_norm_eps":1e-05,
       "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
         "original_max_position_embeddings":8192,"rope_type":"llama3"},
       "rope_theta":500000.0,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
       "vocab_size":128256}
      """;

  /** Abridged from Qwen2.5-0.5B's config.json. */
  static final String QWEN25 =
      """
      {"architectures":["Qwen2ForCausalLM"],"bos_token_id":151643,"eos_token_id":151643,
       "hidden_act":"silu","hidden_size":896,"intermediate_size":4864,
       "max_position_embeddings":32768,"max_window_layers":24,"model_type":"qwen2",
       "num_attention_heads":14,"num_hidden_layers":24,"num_key_value_heads":2,
       "rms_norm_eps":1e-06,"rope_theta":1000000.0,"sliding_window":32768,
       "tie_word_embeddings":true,"torch_dtype":"bfloat16","use_sliding_window":false,
       "vocab_size":151936}
      """;

  @Test
  void bindsLlama32WithLlama3RopeScalingAndParameterCount() throws IOException {
    LlamaConfig c = (LlamaConfig) ModelConfigs.parse(JSON.readTree(LLAMA32));
    assertThat(c.numKeyValueHeads()).isEqualTo(8);
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.ropeScaling().kind()).isEqualTo("llama3");
    assertThat(c.eosTokenId()).containsExactly(128001);
    assertThat(c.qkvBias()).isFalse();
    // Llama-3.2-1B has 1,235,814,400 parameters (tied embeddings).
    assertThat(c.parameterCount()).isEqualTo(1_235_814_400L);
  }

  @Test
  void bindsQwen25WithQkvBiasAndParameterCount() throws IOException {
    LlamaConfig c = (LlamaConfig) ModelConfigs.parse(JSON.readTree(QWEN25));
    assertThat(c.qkvBias()).isTrue();
    assertThat(c.outputBias()).isFalse();
    assertThat(c.attentionWindow()).isZero();
    assertThat(c.headDim()).isEqualTo(64);
    // Qwen2.5-0.5B has 494,032,768 parameters.
    assertThat(c.parameterCount()).isEqualTo(494_032_768L);
  }

  @Test
  void roundTripsThroughConfigJson(@TempDir Path dir) throws IOException {
    LlamaConfig c = (LlamaConfig) ModelConfigs.parse(JSON.readTree(LLAMA32));
    ModelConfigs.save(c, dir);
    assertThat(ModelConfigs.load(dir)).isEqualTo(c);
    assertThat(Files.readString(dir.resolve("config.json"))).contains("\"rope_theta\"");
  }

  @Test
  void unknownModelTypeAndUnsupportedOptionsFailNamingTheField(@TempDir Path dir)
      throws IOException {
    Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"gpt2\",\"n_embd\":8}");
    assertThatThrownBy(() -> ModelConfigs.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasCauseInstanceOf(ConfigException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("model_type")
        .hasMessageContaining("gpt2");
    String badAct = LLAMA32.replace("\"silu\"", "\"relu\"");
    assertThatThrownBy(() -> ModelConfigs.parse(JSON.readTree(badAct)))
        .hasMessageContaining("hidden_act")
        .hasMessageContaining("relu");
    String badRope = LLAMA32.replace("\"llama3\"", "\"yarn\"");
    assertThatThrownBy(() -> ModelConfigs.parse(JSON.readTree(badRope)))
        .hasMessageContaining("rope_scaling.rope_type")
        .hasMessageContaining("yarn");
    String badKv = LLAMA32.replace("\"num_key_value_heads\":8", "\"num_key_value_heads\":7");
    assertThatThrownBy(() -> ModelConfigs.parse(JSON.readTree(badKv)))
        .hasMessageContaining("num_key_value_heads")
        .hasMessageContaining("7");
  }

  @Test
  void missingAndMalformedFilesNameTheFile(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> ModelConfigs.load(dir)).hasMessageContaining("config.json");
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": ");
    assertThatThrownBy(() -> ModelConfigs.load(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve("config.json").toString());
  }
}
