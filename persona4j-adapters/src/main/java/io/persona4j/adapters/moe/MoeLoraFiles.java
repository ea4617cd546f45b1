/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraConfigs;
import io.persona4j.core.config.ConfigException;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.JsonFiles;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.io.TensorInfo;
import io.persona4j.core.model.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The mixture-of-experts files written beside a PEFT adapter directory ({@code adapter_config.json}
 * + {@code adapter_model.safetensors}, which stay pure PEFT: rank r, {@code lora_alpha = alpha},
 * loadable by PEFT as the uniform-gate model):
 *
 * <ul>
 *   <li>{@value #CONFIG_FILE}: {@code format_version}, {@code code_version}, {@code num_experts},
 *       {@code gate_type}, {@code gate_dim}, {@code alpha}, {@code r}, {@code
 *       router_lr_multiplier}, {@code seed};
 *   <li>{@value #GATE_FILE} (linear gates only): one F32 tensor {@value #ROUTER_TENSOR} {@code [K,
 *       gate_dim]}.
 * </ul>
 *
 * Reading checks the format version, every field, the agreement with {@code adapter_config.json},
 * and the router's name, dtype, shape and values; errors name the file and the field or tensor.
 */
public final class MoeLoraFiles {
  /** The mixture's config file. */
  public static final String CONFIG_FILE = "moe_config.json";

  /** The router's weights file. */
  public static final String GATE_FILE = "moe_gate.safetensors";

  /** The router's tensor name. */
  public static final String ROUTER_TENSOR = "router.weight";

  /**
   * The version of this layout that this build writes (an integer) and the only one it reads (as an
   * integer, or as the string {@code "1"} that builds before {@link FormatVersion} wrote).
   */
  public static final int FORMAT_VERSION = 1;

  private static final Set<String> FIELDS =
      Set.of(
          "format_version",
          "code_version",
          "num_experts",
          "gate_type",
          "gate_dim",
          "alpha",
          "r",
          "router_lr_multiplier",
          "seed");

  private static final ObjectMapper WRITER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private MoeLoraFiles() {}

  /** Writes {@value #CONFIG_FILE} and, for a linear gate, {@value #GATE_FILE} into {@code dir}. */
  static void write(Path dir, MoeLoraConfig config, NDArray router) throws IOException {
    Files.createDirectories(dir);
    ObjectNode o = WRITER.createObjectNode();
    o.put("alpha", config.alpha());
    o.put("code_version", Provenance.codeVersion());
    o.put("format_version", FORMAT_VERSION);
    o.put("gate_dim", config.gateDim()); // keys sorted, as the PEFT files beside it
    o.put("gate_type", config.gateType().name());
    o.put("num_experts", config.numExperts());
    o.put("r", config.r());
    o.put("router_lr_multiplier", config.routerLrMultiplier());
    o.put("seed", config.seed());
    Path gateFile = dir.resolve(GATE_FILE);
    if (router != null) {
      SafetensorsWriter.write(
          gateFile,
          Map.of(ROUTER_TENSOR, HostTensor.fromNDArray(router)),
          AdapterProvenance.current().metadata());
    } else {
      Files.deleteIfExists(gateFile); // a stale router would contradict gate_type
    }
    AtomicFiles.writeString(dir.resolve(CONFIG_FILE), WRITER.writeValueAsString(o) + "\n");
  }

  /**
   * Reads {@value #CONFIG_FILE} of {@code dir} and combines it with the PEFT config {@code lora}
   * (read from the same directory) into the mixture's config.
   *
   * @throws NoSuchFileException if the file is missing
   * @throws ModelFormatException naming the file and field for a bad or inconsistent value
   */
  static MoeLoraConfig readConfig(Path dir, LoraConfig lora) throws IOException {
    Path file = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file.toString(),
          null,
          "a mixture-of-LoRA-experts adapter needs "
              + CONFIG_FILE
              + " beside "
              + LoraConfigs.FILE_NAME
              + " (a plain PEFT adapter loads with LoraModel)");
    }
    JsonNode root = JsonFiles.readObject(file);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw new ModelFormatException(
            file, "unknown field '" + f + "' (known: " + FIELDS.stream().sorted().toList() + ")");
      }
    }
    FormatVersion.check(file, root, FORMAT_VERSION);
    if (root.has("code_version") && !root.get("code_version").isTextual()) {
      throw fieldError(file, "code_version", root.get("code_version"), "must be a string");
    }
    int k = integer(root, file, "num_experts");
    int r = integer(root, file, "r");
    int gateDim = integer(root, file, "gate_dim");
    double alpha = number(root, file, "alpha");
    double routerLr = number(root, file, "router_lr_multiplier");
    long seed = longValue(root, file, "seed");
    String typeName = text(root, file, "gate_type");
    GateType type;
    try {
      type = GateType.valueOf(typeName);
    } catch (IllegalArgumentException e) {
      throw fieldError(
          file,
          "gate_type",
          root.get("gate_type"),
          "must be one of " + Arrays.toString(GateType.values()));
    }
    Path loraFile = dir.resolve(LoraConfigs.FILE_NAME);
    agree(lora.r() == r, loraFile, "r", lora.r(), file, "r", r);
    agree(
        lora.loraAlpha() == alpha, loraFile, "lora_alpha", lora.loraAlpha(), file, "alpha", alpha);
    plain(!lora.useRslora(), loraFile, "use_rslora", true);
    plain(lora.rankPattern().isEmpty(), loraFile, "rank_pattern", lora.rankPattern());
    plain(lora.alphaPattern().isEmpty(), loraFile, "alpha_pattern", lora.alphaPattern());
    plain(lora.excludeModules() == null, loraFile, "exclude_modules", lora.excludeModules());
    plain(lora.modulesToSave().isEmpty(), loraFile, "modules_to_save", lora.modulesToSave());
    plain(
        lora.layersToTransform() == null || lora.layersToTransform().isEmpty(),
        loraFile,
        "layers_to_transform",
        lora.layersToTransform());
    plain(lora.targetModules() != null, loraFile, "target_modules", null);
    try {
      return new MoeLoraConfig(
          r, k, alpha, lora.loraDropout(), lora.targetModules(), type, gateDim, routerLr, seed);
    } catch (ConfigException e) {
      throw new ModelFormatException(file, null, e.getMessage(), e);
    }
  }

  /**
   * Reads the router of a linear gate from {@value #GATE_FILE} onto {@code manager}; checks that a
   * gate without a router has no such file.
   *
   * @return the router {@code [K, gate_dim]}, or null for a random or uniform gate
   * @throws NoSuchFileException if a linear gate's file is missing
   * @throws ModelFormatException naming the file and tensor for unknown or missing tensors, a
   *     non-float dtype, a wrong shape, NaN/Inf values or an unknown format version
   */
  static NDArray readRouter(Path dir, MoeLoraConfig config, NDManager manager) throws IOException {
    Path file = dir.resolve(GATE_FILE);
    if (config.gateType() != GateType.LINEAR) {
      if (Files.exists(file)) {
        throw new ModelFormatException(
            file,
            "present, but "
                + CONFIG_FILE
                + " says gate_type "
                + config.gateType()
                + ", which has no router");
      }
      return null;
    }
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file.toString(), null, "a LINEAR gate needs its router in " + GATE_FILE);
    }
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      AdapterProvenance.checkMetadata(file, st.metadata());
      for (String name : st.names()) {
        if (!name.equals(ROUTER_TENSOR)) {
          throw new ModelFormatException(
              file, name, "unknown tensor: the file holds only " + ROUTER_TENSOR);
        }
      }
      if (!st.contains(ROUTER_TENSOR)) {
        throw new ModelFormatException(file, ROUTER_TENSOR, "missing");
      }
      TensorInfo t = st.info(ROUTER_TENSOR);
      if (!t.dtype().isFloatingPoint()) {
        throw new ModelFormatException(
            file, ROUTER_TENSOR, "dtype " + t.dtype() + " is not a float type");
      }
      long[] want = {config.numExperts(), config.gateDim()};
      if (!Arrays.equals(t.shape(), want)) {
        throw new ModelFormatException(
            file,
            ROUTER_TENSOR,
            String.format(
                Locale.ROOT,
                "has shape %s, expected %s ([num_experts, gate_dim] from %s)",
                Arrays.toString(t.shape()),
                Arrays.toString(want),
                CONFIG_FILE));
      }
      long bad = st.countNonFinite(ROUTER_TENSOR);
      if (bad > 0) {
        throw new ModelFormatException(
            file, ROUTER_TENSOR, bad + " of its " + t.numel() + " values are NaN or infinite");
      }
      return st.toNDArray(ROUTER_TENSOR, manager);
    }
  }

  private static JsonNode required(JsonNode root, Path file, String field)
      throws ModelFormatException {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      throw new ModelFormatException(file, "field '" + field + "' is required");
    }
    return v;
  }

  private static String text(JsonNode root, Path file, String field) throws ModelFormatException {
    JsonNode v = required(root, file, field);
    if (!v.isTextual()) {
      throw fieldError(file, field, v, "must be a string");
    }
    return v.asText();
  }

  private static int integer(JsonNode root, Path file, String field) throws ModelFormatException {
    JsonNode v = required(root, file, field);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw fieldError(file, field, v, "must be an integer");
    }
    return v.intValue();
  }

  private static long longValue(JsonNode root, Path file, String field)
      throws ModelFormatException {
    JsonNode v = required(root, file, field);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw fieldError(file, field, v, "must be a 64-bit integer");
    }
    return v.longValue();
  }

  private static double number(JsonNode root, Path file, String field) throws ModelFormatException {
    JsonNode v = required(root, file, field);
    if (!v.isNumber()) {
      throw fieldError(file, field, v, "must be a number");
    }
    return v.doubleValue();
  }

  private static ModelFormatException fieldError(Path file, String field, JsonNode v, String what) {
    return new ModelFormatException(file, "field '" + field + "' = " + v + " is invalid: " + what);
  }

  private static void agree(boolean ok, Path a, String fa, Object va, Path b, String fb, Object vb)
      throws ModelFormatException {
    if (!ok) {
      throw new ModelFormatException(
          a, "field '" + fa + "' = " + va + " differs from " + b + " field '" + fb + "' = " + vb);
    }
  }

  private static void plain(boolean ok, Path file, String field, Object value)
      throws ModelFormatException {
    if (!ok) {
      throw new ModelFormatException(
          file,
          "field '"
              + field
              + "' = "
              + value
              + " is not part of a mixture-of-LoRA-experts adapter (which writes plain rank-r LoRA"
              + " with explicit target_modules)");
    }
  }
}
