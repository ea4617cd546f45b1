/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.persona4j.core.config.ConfigException;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.JsonFiles;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Reads and writes PEFT's {@code adapter_config.json}. */
public final class LoraConfigs {
  /** The config's file name in an adapter directory. */
  public static final String FILE_NAME = "adapter_config.json";

  /**
   * PEFT options that change what a LoRA layer computes and that Persona4j does not implement; an
   * adapter that sets one is rejected rather than silently computed wrong.
   */
  static final Map<String, String> UNSUPPORTED =
      Map.ofEntries(
          Map.entry("use_dora", "DoRA (weight-decomposed LoRA)"),
          Map.entry("lora_bias", "a trainable bias on lora_B"),
          Map.entry("use_qalora", "QA-LoRA"),
          Map.entry("layer_replication", "layer replication"),
          Map.entry("trainable_token_indices", "trainable tokens"),
          Map.entry("target_parameters", "LoRA on bare parameters"),
          Map.entry("alora_invocation_tokens", "activated LoRA (aLoRA)"),
          Map.entry("use_bdlora", "block-diagonal LoRA"),
          Map.entry("arrow_config", "Arrow routing"),
          Map.entry("velora_config", "VeLoRA"),
          Map.entry("monteclora_config", "MonteCLoRA"),
          Map.entry("kasa_config", "KaSA"));

  /** Strict: duplicate keys, 8.5 for an int and "8" for a number are errors, not coerced. */
  private static final ObjectMapper READER =
      JsonMapper.builder(
              JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .build();

  private static final ObjectMapper WRITER =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private LoraConfigs() {}

  /**
   * Reads {@code dirOrFile}: an adapter directory holding {@value #FILE_NAME}, or the file itself.
   *
   * @throws ModelFormatException naming the file, the field and the value for invalid JSON, an
   *     invalid or unsupported config, or a Persona4j format version this build does not read
   */
  public static LoraConfig read(Path dirOrFile) throws IOException {
    Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE_NAME) : dirOrFile;
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file.toString(), null, "an adapter directory needs " + FILE_NAME);
    }
    JsonNode root = JsonFiles.readObject(file);
    try {
      return parse(root);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file, null, e.getMessage(), e);
    }
  }

  /**
   * Binds an already parsed config object.
   *
   * @throws ConfigException naming the field and value if it is invalid or unsupported
   */
  public static LoraConfig parse(JsonNode root) {
    for (Map.Entry<String, String> u : UNSUPPORTED.entrySet()) {
      JsonNode v = root.get(u.getKey());
      if (isSet(v)) {
        throw new ConfigException(
            "adapter_config.json field '"
                + u.getKey()
                + "' = "
                + abbreviate(v)
                + " asks for "
                + u.getValue()
                + ", which Persona4j does not support");
      }
    }
    try {
      return READER.treeToValue(root, LoraConfig.class);
    } catch (ValueInstantiationException e) {
      if (e.getCause() instanceof ConfigException ce) {
        throw ce; // from LoraConfig's constructor: names field and value already
      }
      String field = fieldOf(e);
      String message = e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage();
      throw new ConfigException(
          "adapter_config.json"
              + (field.isEmpty() ? "" : " field '" + field + "'")
              + ": "
              + message,
          e);
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalArgumentException iae) {
        throw new ConfigException(
            "adapter_config.json field '" + fieldOf(e) + "': " + iae.getMessage(), iae);
      }
      throw new ConfigException(
          "adapter_config.json field '" + fieldOf(e) + "': " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException("adapter_config.json: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Writes {@code config} as {@code dir/adapter_config.json} with sorted keys, as PEFT does
   * (atomically).
   */
  public static void write(LoraConfig config, Path dir) throws IOException {
    Files.createDirectories(dir);
    AtomicFiles.writeString(dir.resolve(FILE_NAME), toJson(config) + "\n");
  }

  /** The config as PEFT-style JSON (sorted keys, nulls included). */
  public static String toJson(LoraConfig config) {
    try {
      return WRITER.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean isSet(JsonNode v) {
    if (v == null || v.isNull() || (v.isBoolean() && !v.booleanValue())) {
      return false;
    }
    return !(v.isContainerNode() && v.isEmpty());
  }

  private static String fieldOf(JsonMappingException e) {
    List<JsonMappingException.Reference> path = e.getPath();
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : path) {
      if (r.getFieldName() != null) {
        b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String abbreviate(JsonNode node) {
    String s = String.valueOf(node);
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
