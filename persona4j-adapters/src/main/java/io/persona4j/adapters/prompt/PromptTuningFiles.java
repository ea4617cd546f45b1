/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.JsonFiles;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.io.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PEFT's prompt-tuning adapter layout: {@code adapter_config.json} with {@code peft_type
 * PROMPT_TUNING}, {@code num_virtual_tokens}, {@code token_dim} (and {@code task_type}, {@code
 * prompt_tuning_init}, {@code num_transformer_submodules} 1), and {@code adapter_model.safetensors}
 * holding {@value #PROMPT_KEY} {@code [num_virtual_tokens, token_dim]}. Extra float tensors (e.g. a
 * classification head) may be stored beside it under their own names.
 *
 * <p>As LoRA adapters, both files carry Persona4j's {@link AdapterProvenance} (the {@code
 * persona4j} object of the config, {@code persona4j.*} metadata keys); a reader rejects another
 * format version and accepts files without it (written by PEFT, or by Persona4j before it wrote
 * one). Both files are written atomically.
 */
public final class PromptTuningFiles {
  /** The config file name. */
  public static final String CONFIG_FILE = "adapter_config.json";

  /** The weights file name. */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  /** PEFT's key of the prompt rows. */
  public static final String PROMPT_KEY = "prompt_embeddings";

  private static final int FORMAT_VERSION = Integer.parseInt(AdapterProvenance.FORMAT_VERSION);

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private PromptTuningFiles() {}

  /**
   * A prompt read from a directory.
   *
   * @param config number of rows and width from the config ({@code init} is RANDOM, std 0)
   * @param prompt the {@value #PROMPT_KEY} values, row-major
   * @param extras every other tensor of the weights file, by name
   */
  public record Loaded(SoftPromptConfig config, float[] prompt, Map<String, float[]> extras) {}

  /**
   * Writes a prompt (and optional extra tensors given with their shapes) to {@code dir}.
   *
   * @param extras name to values; {@code extraShapes} gives each one's shape
   */
  public static void write(
      Path dir,
      SoftPromptConfig config,
      float[] prompt,
      String taskType,
      Map<String, float[]> extras,
      Map<String, long[]> extraShapes)
      throws IOException {
    if (prompt.length != config.size()) {
      throw new IllegalArgumentException(
          "prompt has " + prompt.length + " values, config implies " + config.size());
    }
    Files.createDirectories(dir);
    ObjectNode c = JSON.createObjectNode();
    c.put("peft_type", "PROMPT_TUNING");
    c.put("task_type", taskType);
    c.put("num_virtual_tokens", config.numVirtualTokens());
    c.put("token_dim", config.tokenDim());
    c.put("num_transformer_submodules", 1);
    c.put("prompt_tuning_init", "RANDOM");
    c.put("inference_mode", true);
    c.set("persona4j", JSON.valueToTree(AdapterProvenance.current()));
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    tensors.put(
        PROMPT_KEY,
        HostTensor.f32(new long[] {config.numVirtualTokens(), config.tokenDim()}, prompt));
    for (Map.Entry<String, float[]> e : extras.entrySet()) {
      long[] shape = extraShapes.get(e.getKey());
      if (shape == null) {
        throw new IllegalArgumentException("no shape given for extra tensor '" + e.getKey() + "'");
      }
      tensors.put(e.getKey(), HostTensor.f32(shape, e.getValue()));
    }
    SafetensorsWriter.write(
        dir.resolve(WEIGHTS_FILE), tensors, AdapterProvenance.current().metadata());
    AtomicFiles.writeString( // last: a config beside weights of another prompt is never seen
        dir.resolve(CONFIG_FILE),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c) + "\n");
  }

  /**
   * Reads a prompt-tuning directory.
   *
   * @throws ModelFormatException naming the file and field or tensor for invalid JSON, a wrong
   *     peft_type, an unknown Persona4j format version, a missing or misshapen {@value
   *     #PROMPT_KEY}, or non-finite values
   */
  public static Loaded read(Path dir) throws IOException {
    Path cfgFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(cfgFile)) {
      throw new NoSuchFileException(cfgFile.toString(), null, "a prompt adapter needs it");
    }
    JsonNode c = JsonFiles.readObject(cfgFile);
    JsonNode provenance = c.get("persona4j");
    if (provenance != null && !provenance.isNull()) {
      FormatVersion.check(
          cfgFile,
          "persona4j." + FormatVersion.FIELD,
          provenance.get(FormatVersion.FIELD),
          FORMAT_VERSION,
          FORMAT_VERSION);
    }
    String type = c.path("peft_type").asText("");
    if (!type.equals("PROMPT_TUNING")) {
      throw new ModelFormatException(
          cfgFile, "peft_type is '" + type + "', expected 'PROMPT_TUNING'");
    }
    int n = intField(c, cfgFile, "num_virtual_tokens");
    int dim = intField(c, cfgFile, "token_dim");
    SoftPromptConfig config = new SoftPromptConfig(n, dim, SoftPromptConfig.Init.RANDOM, 0);
    Path file = dir.resolve(WEIGHTS_FILE);
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      AdapterProvenance.checkMetadata(file, st.metadata());
      if (!st.contains(PROMPT_KEY)) {
        throw new ModelFormatException(file, PROMPT_KEY, "missing");
      }
      TensorInfo info = st.info(PROMPT_KEY);
      long[] want = {n, dim};
      if (!Arrays.equals(info.shape(), want)) {
        throw new ModelFormatException(
            file,
            PROMPT_KEY,
            "shape "
                + Arrays.toString(info.shape())
                + " but the config says "
                + Arrays.toString(want));
      }
      Map<String, float[]> extras = new LinkedHashMap<>();
      for (String name : st.names()) {
        long bad = st.countNonFinite(name);
        if (bad > 0) {
          throw new ModelFormatException(file, name, bad + " values are NaN or infinite");
        }
        if (!name.equals(PROMPT_KEY)) {
          extras.put(name, st.floats(name));
        }
      }
      return new Loaded(config, st.floats(PROMPT_KEY), extras);
    }
  }

  private static int intField(JsonNode c, Path file, String field) throws ModelFormatException {
    JsonNode v = c.get(field);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new ModelFormatException(file, field + " must be an integer, got " + v);
    }
    return v.intValue();
  }
}
