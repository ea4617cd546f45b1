/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.JsonFiles;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads and writes {@code config.json}, dispatching on {@code model_type}. */
public final class ModelConfigs {
  public static final String FILE_NAME = "config.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ModelConfigs() {}

  /**
   * Reads {@code dir/config.json}.
   *
   * @throws ModelFormatException naming the file, the field and the value if it is not valid JSON,
   *     not an object, or holds an invalid or unsupported value
   */
  public static ModelConfig load(Path dir) throws IOException {
    Path file = Files.isDirectory(dir) ? dir.resolve(FILE_NAME) : dir;
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "a model directory needs config.json");
    }
    JsonNode root = JsonFiles.readObject(file);
    try {
      return parse(root);
    } catch (ConfigException e) {
      throw new ModelFormatException(file, null, e.getMessage(), e);
    }
  }

  /** Binds an already parsed config.json object. */
  public static ModelConfig parse(JsonNode root) {
    JsonNode type = root.get("model_type");
    if (type == null || !type.isTextual()) {
      throw new ConfigException("config.json has no 'model_type' string");
    }
    String modelType = type.asText();
    Class<? extends ModelConfig> cls;
    if (LlamaConfig.MODEL_TYPES.contains(modelType)) {
      cls = LlamaConfig.class;
    } else if (modelType.equals("bert")) {
      cls = BertConfig.class;
    } else {
      throw new ConfigException(
          "config.json field 'model_type' = "
              + modelType
              + " is not supported (supported: llama, mistral, qwen2, bert)");
    }
    try {
      return JSON.treeToValue(root, cls);
    } catch (ValueInstantiationException e) {
      if (e.getCause() instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException("config.json: " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config.json: " + e.getOriginalMessage(), e);
    }
  }

  /** Writes the config as {@code dir/config.json} (atomically). */
  public static void save(ModelConfig config, Path dir) throws IOException {
    Files.createDirectories(dir);
    AtomicFiles.write(dir.resolve(FILE_NAME), JSON.writeValueAsBytes(config));
  }

  /** The config as pretty-printed JSON. */
  public static String toJson(ModelConfig config) {
    try {
      return JSON.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
