/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.io.TensorInfo;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.Linear;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT's adapter directory layout: {@value LoraConfigs#FILE_NAME} and {@value #WEIGHTS_FILE} with
 * the tensor names of {@link PeftKeys}. Loading checks everything before it changes the model:
 * config and format versions, that the tensors are exactly those the config implies for this model
 * (no unknown and no missing ones), every shape against the base layers, and NaN/Inf values.
 */
public final class PeftAdapterFiles {
  /** The weights' file name in an adapter directory. */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  private PeftAdapterFiles() {}

  /** A validated adapter, read but not yet installed. */
  record Prepared(
      LoraConfig config,
      Map<String, LoraUnit> units,
      Map<String, NDArray> modulesToSave,
      AdapterProvenance provenance) {}

  /**
   * Reads and checks the adapter in {@code dir} against {@code model}.
   *
   * @param unitsSeed seed of the units' dropout streams
   * @param extras manager for the {@code modules_to_save} tensors
   * @param factory makes the units, or null for {@link LoraInjector#standard} of the file's config
   * @throws ModelFormatException naming the file and tensor for unknown, missing, misshapen or
   *     non-finite tensors; {@link io.persona4j.core.config.ConfigException} for a bad config
   */
  static Prepared read(
      AdaptableModel model,
      Path dir,
      String adapterName,
      long unitsSeed,
      NDManager extras,
      LoraInjector.UnitFactory factory)
      throws IOException {
    LoraConfig config = LoraConfigs.read(dir);
    LoraInjector.UnitFactory unitFactory =
        factory != null ? factory : LoraInjector.standard(config);
    Path file = dir.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(file)) {
      String hint =
          Files.exists(dir.resolve("adapter_model.bin"))
              ? "; adapter_model.bin (pickle) is not read: convert it to safetensors"
              : "";
      throw new NoSuchFileException(
          file.toString(), null, "an adapter needs " + WEIGHTS_FILE + hint);
    }
    Map<String, Linear> linears = model.linears();
    List<String> targets;
    try {
      targets = TargetSelector.select(config, linears.keySet());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          dir.resolve(LoraConfigs.FILE_NAME) + ": " + e.getMessage());
    }
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      AdapterProvenance.checkMetadata(file, st.metadata());
      List<String> extraKeys = checkNames(st, file, config, targets);
      for (String name : st.names()) {
        TensorInfo t = st.info(name);
        if (!t.dtype().isFloatingPoint()) {
          throw new ModelFormatException(file, name, "dtype " + t.dtype() + " is not a float type");
        }
        long bad = st.countNonFinite(name);
        if (bad > 0) {
          throw new ModelFormatException(
              file, name, bad + " of its " + t.numel() + " values are NaN or infinite");
        }
      }
      for (String path : targets) {
        Linear l = linears.get(path);
        int r = config.rank(path);
        checkShape(st, file, PeftKeys.loraA(path), new long[] {r, l.inFeatures()}, path, r, l);
        checkShape(st, file, PeftKeys.loraB(path), new long[] {l.outFeatures(), r}, path, r, l);
      }
      Map<String, LoraUnit> units = new LinkedHashMap<>();
      Map<String, NDArray> saved = new LinkedHashMap<>();
      try {
        for (String path : targets) {
          NDManager m = linears.get(path).weight().getManager();
          NDArray a = st.toNDArray(PeftKeys.loraA(path), m);
          NDArray b = st.toNDArray(PeftKeys.loraB(path), m);
          units.put(
              path,
              LoraInjector.newUnit(unitFactory, path, a, b, config, unitsSeed, adapterName, m));
        }
        for (String key : extraKeys) {
          saved.put(key.substring(PeftKeys.PREFIX.length()), st.toNDArray(key, extras));
        }
      } catch (IOException | RuntimeException e) {
        units.values().forEach(LoraUnit::close);
        saved.values().forEach(NDArray::close);
        throw e;
      }
      AdapterProvenance provenance = config.persona4j();
      return new Prepared(config, units, saved, provenance);
    }
  }

  /** Returns the modules_to_save keys; throws for unknown or missing tensor names. */
  private static List<String> checkNames(
      SafetensorsFile st, Path file, LoraConfig config, List<String> targets)
      throws ModelFormatException {
    Map<String, Boolean> expected = new LinkedHashMap<>();
    for (String path : targets) {
      expected.put(PeftKeys.loraA(path), false);
      expected.put(PeftKeys.loraB(path), false);
    }
    List<String> unknown = new ArrayList<>();
    List<String> extras = new ArrayList<>();
    for (String name : st.names()) {
      if (expected.containsKey(name)) {
        expected.put(name, true);
      } else if (isModuleToSave(config, name)) {
        extras.add(name);
      } else {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ModelFormatException(
          file,
          unknown.get(0),
          unknown.size()
              + " tensor(s) that a LoRA adapter of this config does not have on this model: "
              + LoraInjector.abbreviate(unknown)
              + " (target_modules "
              + config.targetModules()
              + " selects "
              + LoraInjector.abbreviate(targets)
              + "; modules_to_save "
              + config.modulesToSave()
              + ")");
    }
    List<String> missing =
        expected.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
    if (!missing.isEmpty()) {
      throw new ModelFormatException(
          file,
          missing.get(0),
          "missing: the config targets "
              + targets.size()
              + " modules of this model, but "
              + missing.size()
              + " tensor(s) are absent: "
              + LoraInjector.abbreviate(missing));
    }
    return extras;
  }

  /** {@code base_model.model.<module>.<param>} with the module named in modules_to_save. */
  static boolean isModuleToSave(LoraConfig config, String key) {
    if (!key.startsWith(PeftKeys.PREFIX)) {
      return false;
    }
    String param = key.substring(PeftKeys.PREFIX.length());
    int dot = param.lastIndexOf('.');
    if (dot <= 0 || param.contains(".lora_")) {
      return false;
    }
    String module = param.substring(0, dot);
    for (String m : config.modulesToSave()) {
      if (module.equals(m) || module.endsWith("." + m)) {
        return true;
      }
    }
    return false;
  }

  private static void checkShape(
      SafetensorsFile st, Path file, String key, long[] want, String path, int r, Linear l)
      throws ModelFormatException {
    long[] got = st.info(key).shape();
    if (!Arrays.equals(got, want)) {
      throw new ModelFormatException(
          file,
          key,
          "has shape "
              + Arrays.toString(got)
              + ", expected "
              + Arrays.toString(want)
              + " (r = "
              + r
              + " from "
              + LoraConfigs.FILE_NAME
              + "; base layer "
              + path
              + " has in_features "
              + l.inFeatures()
              + ", out_features "
              + l.outFeatures()
              + "): a different rank or a different base model");
    }
  }

  /**
   * Writes {@code config} (stamped with provenance and inference mode) and the units' tensors in
   * PEFT layout, as F32. {@code modulesToSave} tensors are written as {@code
   * base_model.model.<key>}; each key's module must be named in the config's modules_to_save.
   *
   * @param units LoRA units by module path
   * @param modulesToSave extra tensors by parameter path (e.g. {@code score.weight}), may be empty
   * @param baseModelFingerprint the base model's fingerprint, or null if unknown
   */
  static void write(
      Path dir,
      LoraConfig config,
      Map<String, LoraUnit> units,
      Map<String, NDArray> modulesToSave,
      String baseModelFingerprint)
      throws IOException {
    LoraConfig saved = config.forSaving(baseModelFingerprint);
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, LoraUnit> e : units.entrySet()) {
      tensors.put(PeftKeys.loraA(e.getKey()), f32(e.getValue().a()));
      tensors.put(PeftKeys.loraB(e.getKey()), f32(e.getValue().b()));
    }
    for (Map.Entry<String, NDArray> e : modulesToSave.entrySet()) {
      String key = PeftKeys.moduleToSave(e.getKey());
      if (!isModuleToSave(config, key)) {
        throw new IllegalArgumentException(
            "'"
                + e.getKey()
                + "' is not a parameter of a module in modules_to_save "
                + config.modulesToSave());
      }
      tensors.put(key, f32(e.getValue()));
    }
    Files.createDirectories(dir);
    SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors, saved.persona4j().metadata());
    LoraConfigs.write(saved, dir);
  }

  private static HostTensor f32(NDArray a) {
    if (a.getDataType() == DataType.FLOAT32) {
      return HostTensor.fromNDArray(a);
    }
    try (NDArray f = a.toType(DataType.FLOAT32, true)) {
      return HostTensor.fromNDArray(f);
    }
  }
}
