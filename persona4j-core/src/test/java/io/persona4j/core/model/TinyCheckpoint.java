/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.DType;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A tiny random F32 Hugging Face checkpoint directory ({@link ModelInit}: config.json,
 * model.safetensors, tokenizer.json) that Jlama 0.8.4 also loads.
 */
public final class TinyCheckpoint {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TinyCheckpoint() {}

  /** Writes {@link RandomWeights#llama}{@code (config, seed, std)} to {@code dir}. */
  public static Path write(Path dir, LlamaConfig config, long seed, float std) throws IOException {
    ModelInit.write(config, seed, std, DType.F32, dir);
    scalarEos(dir.resolve(ModelConfigs.FILE_NAME));
    return dir;
  }

  /**
   * Writes a single {@code eos_token_id} as a number, as Hugging Face checkpoints with one EOS
   * token do: Jlama 0.8.4's {@code Qwen2Config} binds it to an {@code int} and rejects a list.
   */
  public static void scalarEos(Path configJson) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(configJson.toFile());
    if (root.get("eos_token_id") instanceof ArrayNode a && a.size() == 1) {
      root.set("eos_token_id", a.get(0));
      JSON.writerWithDefaultPrettyPrinter().writeValue(configJson.toFile(), root);
    }
  }
}
