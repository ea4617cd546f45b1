/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraConfigs;
import io.persona4j.adapters.lora.PeftAdapterFiles;
import io.persona4j.adapters.moe.MoeLoraFiles;
import io.persona4j.adapters.prompt.PromptTuningFiles;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.TensorInfo;
import io.persona4j.core.model.ModelFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a payload before it is published: its kind (detected or confirmed), that Persona4j's own
 * readers accept its files (PEFT config, safetensors headers, prompt layout), the base-model
 * fingerprint its files record, and, for a payload recording none, that its tensors' shapes fit the
 * base model ({@link BaseModelShapes}).
 */
final class PayloadInspector {
  /** What a payload is, once checked. */
  record Inspection(
      AdapterKind kind,
      String fingerprint,
      BaseModelCheck check,
      LoraShape lora,
      List<String> warnings) {}

  static final String FINGERPRINT_FIELD = "base_model_fingerprint";
  static final String FINGERPRINT_METADATA = "persona4j.base_model_fingerprint";

  private static final ObjectMapper JSON =
      new ObjectMapper(
          JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private PayloadInspector() {}

  /**
   * Checks {@code request}'s payload against its kind and base model.
   *
   * @throws IncompatibleBaseModelException if the files record another base's fingerprint, or
   *     record none and their shapes do not fit (both fingerprints in the message)
   * @throws IllegalArgumentException naming the file and what is wrong for anything else
   */
  static Inspection inspect(PublishRequest request) {
    AdapterPayload payload = request.payload();
    String label =
        StoreInputs.describe(request.userId(), request.kind(), 0)
            + ": adapter "
            + payload.origin().orElse("payload");
    Path stage = null;
    try {
      stage = Files.createTempDirectory("persona4j-store-check-");
      Path dir = stage.resolve("adapter");
      payload.writeTo(dir, false);
      try {
        Inspection in = inspect(request, dir, label);
        return new Inspection(
            in.kind(),
            in.fingerprint(),
            in.check(),
            in.lora(),
            in.warnings().stream().map(w -> relabel(w, dir, label)).toList());
      } catch (IncompatibleBaseModelException e) {
        throw new IncompatibleBaseModelException(
            relabel(e.getMessage(), dir, label), e.adapterFingerprint(), e.baseFingerprint());
      } catch (IOException | RuntimeException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (!msg.contains(dir.toString())) {
          msg = label + ": " + msg;
        }
        throw new IllegalArgumentException(relabel(msg, dir, label), e);
      }
    } catch (IOException e) {
      throw new AdapterStoreException(label + ": cannot stage the files for checking: " + e, e);
    } finally {
      AdapterPayload.deleteTree(stage);
    }
  }

  private static String relabel(String msg, Path dir, String label) {
    return msg.replace(dir.toString(), label);
  }

  private static Inspection inspect(PublishRequest request, Path dir, String label)
      throws IOException {
    AdapterPayload payload = request.payload();
    BaseModel base = request.baseModel();
    List<String> warnings = new ArrayList<>();
    String recorded = recordedFingerprint(payload, dir);
    AdapterKind detected = detect(payload, dir);
    AdapterKind kind = request.kind() != null ? request.kind() : detected;
    if (kind == null) {
      throw new IllegalArgumentException(
          dir
              + ": cannot tell what kind of adapter this is (files "
              + payload.paths()
              + "); name the kind ("
              + String.join(
                  ", ", java.util.Arrays.stream(AdapterKind.values()).map(AdapterKind::id).toList())
              + ")");
    }
    BaseModelShapes shapes = new BaseModelShapes(base);
    LoraShape lora = null;
    switch (kind) {
      case LORA, CLASSIFIER, MOE -> lora = checkLora(kind, dir, shapes, payload);
      case SOFT_PROMPT -> checkSoftPrompt(dir, payload, shapes);
      case USER_VECTOR -> checkUserVector(dir, payload);
    }
    if (recorded != null) {
      if (!recorded.equals(base.fingerprint())) {
        throw new IncompatibleBaseModelException(
            dir
                + " was trained on base model "
                + recorded
                + ", but it is published for base model "
                + base.fingerprint()
                + " ("
                + base.description()
                + "); publish it with the base model it was trained on",
            recorded,
            base.fingerprint());
      }
      shapes.throwIfAnyMismatch(dir, "records this base model's fingerprint");
      return new Inspection(kind, recorded, BaseModelCheck.FINGERPRINT, lora, warnings);
    }
    String missing =
        dir
            + " records no base-model fingerprint (adapters written by Python PEFT or an older"
            + " Persona4j have none)";
    if (kind == AdapterKind.USER_VECTOR) {
      throw new IncompatibleBaseModelException(
          missing
              + "; a user_vector entry must record one (its shape says nothing about the base"
              + " model "
              + base.fingerprint()
              + "): write '"
              + FINGERPRINT_METADATA
              + "' into its safetensors metadata",
          null,
          base.fingerprint());
    }
    if (!shapes.known()) {
      throw new IncompatibleBaseModelException(
          missing
              + ", and the shapes of base model "
              + base.fingerprint()
              + " are unknown, so nothing ties it to that base; publish with BaseModel.of(modelDir)",
          null,
          base.fingerprint());
    }
    if (!shapes.mismatches().isEmpty()) {
      throw new IncompatibleBaseModelException(
          missing
              + ", and its shapes do not fit base model "
              + base.fingerprint()
              + " ("
              + base.description()
              + "): "
              + shapes.describeMismatches(),
          null,
          base.fingerprint());
    }
    if (shapes.checked() == 0) {
      throw new IncompatibleBaseModelException(
          missing
              + ", and none of its tensors could be compared with base model "
              + base.fingerprint()
              + " ("
              + base.description()
              + ")",
          null,
          base.fingerprint());
    }
    warnings.add(
        missing
            + "; accepted for base model "
            + base.fingerprint()
            + " because its "
            + shapes.checked()
            + " tensors fit that model's shapes (same shapes do not prove same weights)");
    return new Inspection(kind, base.fingerprint(), BaseModelCheck.SHAPES, lora, warnings);
  }

  /** The kind the files imply, or null. */
  static AdapterKind detect(AdapterPayload payload, Path dir) throws IOException {
    if (payload.contains(MoeLoraFiles.CONFIG_FILE)) {
      return AdapterKind.MOE;
    }
    if (payload.contains(LoraConfigs.FILE_NAME)) {
      JsonNode c = readJson(dir.resolve(LoraConfigs.FILE_NAME));
      String type = c == null ? "" : c.path("peft_type").asText("");
      if (type.equals("PROMPT_TUNING")) {
        return AdapterKind.SOFT_PROMPT;
      }
      if (type.equals("LORA")) {
        JsonNode m = c.get("modules_to_save");
        return m != null && m.isArray() && !m.isEmpty() ? AdapterKind.CLASSIFIER : AdapterKind.LORA;
      }
      return null;
    }
    if (payload.contains("local/" + PromptTuningFiles.CONFIG_FILE)) {
      return AdapterKind.SOFT_PROMPT;
    }
    boolean tensors = payload.paths().stream().anyMatch(p -> p.endsWith(".safetensors"));
    return tensors ? AdapterKind.USER_VECTOR : null;
  }

  private static LoraShape checkLora(
      AdapterKind kind, Path dir, BaseModelShapes shapes, AdapterPayload payload)
      throws IOException {
    if (!payload.contains(LoraConfigs.FILE_NAME)) {
      throw new IllegalArgumentException(
          dir + ": a " + kind.id() + " entry needs " + LoraConfigs.FILE_NAME + " (PEFT layout)");
    }
    LoraConfig config = LoraConfigs.read(dir);
    if (kind == AdapterKind.CLASSIFIER && config.modulesToSave().isEmpty()) {
      throw new IllegalArgumentException(
          dir.resolve(LoraConfigs.FILE_NAME)
              + ": a classifier entry needs its head in modules_to_save, which is empty (a plain"
              + " LoRA adapter is kind lora)");
    }
    if (kind == AdapterKind.MOE && !payload.contains(MoeLoraFiles.CONFIG_FILE)) {
      throw new IllegalArgumentException(
          dir + ": a moe entry needs " + MoeLoraFiles.CONFIG_FILE + " beside the PEFT files");
    }
    if (kind == AdapterKind.MOE) {
      JsonNode moe = readJson(dir.resolve(MoeLoraFiles.CONFIG_FILE));
      if (moe == null || !moe.isObject() || !moe.path("num_experts").canConvertToExactIntegral()) {
        throw new IllegalArgumentException(
            dir.resolve(MoeLoraFiles.CONFIG_FILE) + ": not a mixture-of-experts config");
      }
    }
    Path weights = dir.resolve(PeftAdapterFiles.WEIGHTS_FILE);
    if (!Files.isRegularFile(weights)) {
      throw new IllegalArgumentException(
          dir
              + ": a "
              + kind.id()
              + " entry needs "
              + PeftAdapterFiles.WEIGHTS_FILE
              + (payload.contains("adapter_model.bin")
                  ? " (adapter_model.bin, a pickle, is not accepted: convert it to safetensors)"
                  : ""));
    }
    try (SafetensorsFile st = SafetensorsFile.open(weights)) {
      int loraTensors = 0;
      for (String name : st.names()) {
        TensorInfo t = st.info(name);
        if (!t.dtype().isFloatingPoint()) {
          throw new IllegalArgumentException(
              weights + ": tensor " + name + " has dtype " + t.dtype() + ", not a float type");
        }
        if (name.endsWith(".lora_A.weight") || name.endsWith(".lora_B.weight")) {
          loraTensors++;
        }
      }
      if (loraTensors == 0) {
        throw new IllegalArgumentException(weights + ": holds no lora_A/lora_B tensors");
      }
      shapes.checkLora(st, config);
    }
    return new LoraShape(config.r(), config.loraAlpha(), targets(config));
  }

  private static List<String> targets(LoraConfig config) {
    if (config.targetModules() == null) {
      return List.of();
    }
    return config.targetModules().names() != null
        ? config.targetModules().names()
        : List.of("regex:" + config.targetModules().regex());
  }

  private static void checkSoftPrompt(Path dir, AdapterPayload payload, BaseModelShapes shapes)
      throws IOException {
    List<Path> promptDirs = new ArrayList<>();
    if (payload.contains(PromptTuningFiles.CONFIG_FILE)) {
      promptDirs.add(dir);
    }
    for (String sub : List.of("local", "global")) {
      if (payload.contains(sub + "/" + PromptTuningFiles.CONFIG_FILE)) {
        promptDirs.add(dir.resolve(sub));
      }
    }
    if (promptDirs.isEmpty()) {
      throw new IllegalArgumentException(
          dir
              + ": a soft_prompt entry needs "
              + PromptTuningFiles.CONFIG_FILE
              + " with peft_type PROMPT_TUNING (or local/ and global/ directories holding one)");
    }
    for (Path p : promptDirs) {
      PromptTuningFiles.Loaded loaded = PromptTuningFiles.read(p);
      shapes.checkWidth(
          p.resolve(PromptTuningFiles.CONFIG_FILE) + " token_dim", loaded.config().tokenDim());
      try (SafetensorsFile st = SafetensorsFile.open(p.resolve(PromptTuningFiles.WEIGHTS_FILE))) {
        for (String name : st.names()) {
          long[] s = st.info(name).shape();
          if (!name.equals(PromptTuningFiles.PROMPT_KEY)
              && name.endsWith("weight")
              && s.length == 2) {
            shapes.checkWidth(p.resolve(PromptTuningFiles.WEIGHTS_FILE) + " " + name, s[1]);
          }
        }
      }
    }
  }

  private static void checkUserVector(Path dir, AdapterPayload payload) throws IOException {
    int tensors = 0;
    for (String p : payload.paths()) {
      if (!p.endsWith(".safetensors")) {
        continue;
      }
      try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(p))) {
        for (String name : st.names()) {
          TensorInfo t = st.info(name);
          if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(
                dir.resolve(p) + ": tensor " + name + " has dtype " + t.dtype() + ", not a float");
          }
          if (st.countNonFinite(name) > 0) {
            throw new IllegalArgumentException(
                dir.resolve(p) + ": tensor " + name + " holds NaN or infinite values");
          }
          tensors++;
        }
      }
    }
    if (tensors == 0) {
      throw new IllegalArgumentException(
          dir + ": a user_vector entry needs at least one tensor in a .safetensors file");
    }
  }

  /**
   * The base-model fingerprint the files record: {@code persona4j.base_model_fingerprint} in any
   * JSON file (PEFT's {@code adapter_config.json} included) or top-level {@code
   * base_model_fingerprint}, and the {@value #FINGERPRINT_METADATA} metadata of any safetensors
   * file. Null if none; all must agree.
   */
  static String recordedFingerprint(AdapterPayload payload, Path dir) throws IOException {
    Map<String, String> found = new LinkedHashMap<>();
    for (String p : payload.paths()) {
      Path file = dir.resolve(p);
      if (p.endsWith(".json")) {
        JsonNode root = readJson(file);
        if (root == null || !root.isObject()) {
          continue;
        }
        JsonNode nested = root.path("persona4j").get(FINGERPRINT_FIELD);
        if (nested != null && !nested.isNull()) {
          found.put(p + " persona4j." + FINGERPRINT_FIELD, check(nested, file, "persona4j"));
        }
        JsonNode top = root.get(FINGERPRINT_FIELD);
        if (top != null && !top.isNull()) {
          found.put(p + " " + FINGERPRINT_FIELD, check(top, file, FINGERPRINT_FIELD));
        }
      } else if (p.endsWith(".safetensors")) {
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
          String v = st.metadata().get(FINGERPRINT_METADATA);
          if (v != null) {
            ModelFingerprint.requireWellFormed(v, file + " __metadata__ " + FINGERPRINT_METADATA);
            found.put(p + " __metadata__ " + FINGERPRINT_METADATA, v);
          }
        }
      }
    }
    if (found.isEmpty()) {
      return null;
    }
    if (found.values().stream().distinct().count() > 1) {
      throw new IllegalArgumentException(
          dir + ": its files record different base-model fingerprints: " + found);
    }
    return found.values().iterator().next();
  }

  private static String check(JsonNode value, Path file, String field) {
    String where = file + " field " + field;
    if (!value.isTextual()) {
      throw new IllegalArgumentException(where + " = " + value + " is not a string");
    }
    return ModelFingerprint.requireWellFormed(value.asText(), where);
  }

  /** The file's JSON, or null if it is not valid JSON (other checks report broken configs). */
  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      return null;
    }
  }
}
