/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.adapters.lora.TinyModels;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written before {@link io.persona4j.core.io.FormatVersion}: {@code moe_config.json} held
 * {@code "format_version": "1"} (a string); they load exactly as before, and new files write the
 * integer.
 */
class MoeLegacyFilesTest {

  @Test
  void aMixtureWithTheOldStringVersionLoadsBitExactly(@TempDir Path dir) throws Exception {
    Map<String, float[]> saved = MoeLoraFilesTest.saveRandom(dir, MoeLoraFilesTest.CONFIG, null);
    Path file = dir.resolve(MoeLoraFiles.CONFIG_FILE);
    JsonNode written = MoeLoraFilesTest.JSON.readTree(file.toFile());
    assertThat(written.get("format_version").isInt()).isTrue();
    MoeLoraFilesTest.rewriteJson(file, o -> o.put("format_version", "1")); // as older builds wrote
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      assertThat(moe.load(dir, "old")).isEqualTo(MoeLoraFilesTest.CONFIG);
      Map<String, float[]> got = MoeLoraFilesTest.tensorsOf(moe);
      got.forEach((k, v) -> assertThat(v).as(k).containsExactly(saved.get(k)));
    }
  }
}
