/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions of prompt-tuning files: written, checked, and old files (without them) still read. */
class PromptTuningFilesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SoftPromptConfig CONFIG = SoftPromptConfig.random(2, 3);
  private static final float[] PROMPT = {1, 2, 3, 4, 5, 6};

  @Test
  void filesCarryTheFormatVersionInConfigAndMetadata(@TempDir Path dir) throws Exception {
    PromptTuningFiles.write(dir, CONFIG, PROMPT, "SEQ_CLS", Map.of(), Map.of());
    ObjectNode c = (ObjectNode) JSON.readTree(dir.resolve(PromptTuningFiles.CONFIG_FILE).toFile());
    assertThat(c.get("persona4j").get("format_version").asText()).isEqualTo("1");
    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(PromptTuningFiles.WEIGHTS_FILE))) {
      assertThat(st.metadata()).containsEntry("persona4j.format_version", "1");
    }
    assertThat(PromptTuningFiles.read(dir).prompt()).containsExactly(PROMPT);
  }

  @Test
  void filesWrittenBeforeVersionsExistedStillRead(@TempDir Path dir) throws Exception {
    // exactly what the previous build wrote: no persona4j object, metadata {"format": "pt"}
    Files.writeString(
        dir.resolve(PromptTuningFiles.CONFIG_FILE),
        """
        {
          "peft_type" : "PROMPT_TUNING",
          "task_type" : "SEQ_CLS",
          "num_virtual_tokens" : 2,
          "token_dim" : 3,
          "num_transformer_submodules" : 1,
          "prompt_tuning_init" : "RANDOM",
          "inference_mode" : true
        }
        """);
    SafetensorsWriter.write(
        dir.resolve(PromptTuningFiles.WEIGHTS_FILE),
        Map.of(PromptTuningFiles.PROMPT_KEY, HostTensor.f32(new long[] {2, 3}, PROMPT)),
        Map.of("format", "pt"));
    PromptTuningFiles.Loaded loaded = PromptTuningFiles.read(dir);
    assertThat(loaded.prompt()).containsExactly(PROMPT);
    assertThat(loaded.config().numVirtualTokens()).isEqualTo(2);
  }

  @Test
  void anUnknownVersionIsRejectedNamingFileAndField(@TempDir Path dir) throws Exception {
    PromptTuningFiles.write(dir, CONFIG, PROMPT, "SEQ_CLS", Map.of(), Map.of());
    Path cfg = dir.resolve(PromptTuningFiles.CONFIG_FILE);
    ObjectNode c = (ObjectNode) JSON.readTree(cfg.toFile());
    ((ObjectNode) c.get("persona4j")).put("format_version", "2");
    JSON.writeValue(cfg.toFile(), c);
    assertThatThrownBy(() -> PromptTuningFiles.read(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(cfg.toString())
        .hasMessageContaining("'persona4j.format_version' = '2'")
        .hasMessageContaining("reads '1'");
    Files.writeString(cfg, "{ not json");
    assertThatThrownBy(() -> PromptTuningFiles.read(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(cfg.toString())
        .hasMessageContaining("not valid JSON");
  }
}
