/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraConfigs;
import io.persona4j.adapters.lora.PeftAdapterFiles;
import io.persona4j.adapters.lora.PeftKeys;
import io.persona4j.adapters.lora.TargetSelector;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.JsonFiles;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.io.TensorInfo;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.ModelFingerprint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A PLoRA adapter directory. The shared part is in PEFT's layout, so PEFT tooling reads the LoRA
 * and the head; what PLoRA adds has its own key and files:
 *
 * <pre>
 * adapter_config.json        PEFT LoraConfig (peft_type LORA, task_type SEQ_CLS, r, lora_alpha,
 *                            lora_dropout, target_modules, modules_to_save ["classifier"])
 * adapter_model.safetensors  base_model.model.&lt;module&gt;.lora_A.weight  [r, in]
 *                            base_model.model.&lt;module&gt;.lora_B.weight  [out, r]
 *                            base_model.model.&lt;module&gt;.lora_P.weight  [r, d_u]   (PLoRA's P)
 *                            base_model.model.classifier.weight [C, H], .bias [C]
 * plora_config.json          format_version, code_version, method "plora", user_dim, p_rate, mim,
 *                            user_key "lora_P", adapter_fingerprint, base_model_fingerprint
 * plora_users.json           format_version, user_dim, users: ids by row      (when N > 0)
 * plora_users.safetensors    lora_embedding.weight [N, d_u]                      (when N > 0)
 * </pre>
 *
 * The user table lives apart from the shared weights so that adding a user ({@code plora enrol})
 * leaves the shared files ({@code adapter_config.json}, {@code adapter_model.safetensors}, {@value
 * #CONFIG_FILE}) byte for byte unchanged, and one user's vector can be stored on its own ({@link
 * UserVectorFile}, the adapter store's {@code user_vector} kind). {@code adapter_fingerprint} is a
 * SHA-256 over the shared tensors (names, shapes, values): user vector entries record it, so a
 * vector is never served with a shared adapter it was not fitted to.
 *
 * <p>Every file is written atomically, users first and {@value #CONFIG_FILE} last. Reading checks
 * everything before the model changes: versions, that the tensors are exactly those the configs
 * imply for the model (no unknown, no missing), shapes, finite values, the user ids and count.
 */
public final class PLoraFiles {
  /** PLoRA's own config file. */
  public static final String CONFIG_FILE = "plora_config.json";

  /** The user ids by row of the table. */
  public static final String USERS_FILE = "plora_users.json";

  /** The user table's tensor file. */
  public static final String USERS_WEIGHTS_FILE = "plora_users.safetensors";

  /** The user table's tensor name (the authors' {@code lora_embedding}). */
  public static final String USERS_TENSOR = "lora_embedding.weight";

  /** Layout version of {@value #CONFIG_FILE} and {@value #USERS_FILE}. */
  public static final int FORMAT_VERSION = 1;

  /** Suffix of the saved P of a module. */
  public static final String LORA_P = ".lora_P.weight";

  static final String METHOD = "plora";
  static final String FINGERPRINT_METADATA = "persona4j.base_model_fingerprint";
  private static final Set<String> CONFIG_FIELDS =
      Set.of(
          FormatVersion.FIELD,
          FormatVersion.CODE_FIELD,
          "method",
          "user_dim",
          "p_rate",
          "mim",
          "user_key",
          "adapter_fingerprint",
          "base_model_fingerprint");
  private static final ObjectMapper JSON = new ObjectMapper();

  private PLoraFiles() {}

  /** The saved key of P of the module at {@code path}. */
  public static String loraP(String path) {
    return PeftKeys.PREFIX + path + LORA_P;
  }

  /** Whether {@code dir} holds a PLoRA adapter (has {@value #CONFIG_FILE}). */
  public static boolean isPLoraAdapter(Path dir) {
    return Files.isRegularFile(dir.resolve(CONFIG_FILE));
  }

  /** A validated adapter, read but not installed. */
  record Prepared(
      PLoraConfig config,
      Map<String, float[][]> tensors,
      Map<String, NDArray> modulesToSave,
      UserTable users,
      String baseModelFingerprint) {}

  /** Writes {@code model}'s adapter with {@code modulesToSave} (e.g. the head) into {@code dir}. */
  static void write(Path dir, PLoraModel model, Map<String, NDArray> modulesToSave)
      throws IOException {
    PLoraConfig config = model.config();
    LoraConfig lora = config.lora().forSaving();
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    model
        .layers()
        .forEach(
            (path, l) -> {
              tensors.put(PeftKeys.loraA(path), f32(l.a()));
              tensors.put(PeftKeys.loraB(path), f32(l.b()));
              tensors.put(loraP(path), f32(l.p()));
            });
    for (Map.Entry<String, NDArray> e : modulesToSave.entrySet()) {
      String key = PeftKeys.moduleToSave(e.getKey());
      String module = e.getKey().substring(0, Math.max(0, e.getKey().lastIndexOf('.')));
      if (!lora.modulesToSave().contains(module)) {
        throw new IllegalArgumentException(
            "'"
                + e.getKey()
                + "' is not a parameter of a module in modules_to_save "
                + lora.modulesToSave());
      }
      tensors.put(key, f32(e.getValue()));
    }
    String adapterFingerprint = fingerprint(tensors);
    String baseFingerprint = model.baseModelFingerprint();
    Map<String, String> metadata = new LinkedHashMap<>(lora.persona4j().metadata());
    metadata.put("persona4j.method", METHOD);
    if (baseFingerprint != null) {
      metadata.put(FINGERPRINT_METADATA, baseFingerprint);
    }
    Files.createDirectories(dir);
    writeUsers(dir, model.users(), baseFingerprint);
    SafetensorsWriter.write(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE), tensors, metadata);
    LoraConfigs.write(lora, dir);
    ObjectNode root = JSON.createObjectNode();
    FormatVersion.stamp(root, FORMAT_VERSION);
    root.put("method", METHOD);
    root.put("user_dim", config.userDim());
    root.put("p_rate", config.pRate());
    root.put("mim", config.mim());
    root.put("user_key", LORA_P.substring(1, LORA_P.length() - ".weight".length()));
    root.put("adapter_fingerprint", adapterFingerprint);
    if (baseFingerprint != null) {
      root.put("base_model_fingerprint", baseFingerprint);
    } else {
      root.putNull("base_model_fingerprint");
    }
    AtomicFiles.writeString(
        dir.resolve(CONFIG_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  /**
   * Writes only the user table ({@value #USERS_FILE} and {@value #USERS_WEIGHTS_FILE}, each
   * atomically) into {@code dir}, or deletes both for an empty table; the shared files stay as they
   * are (used to add users to an adapter directory).
   *
   * @param baseFingerprint the base model's fingerprint recorded in the metadata, or null
   */
  public static void writeUsers(Path dir, UserTable users, String baseFingerprint)
      throws IOException {
    Path ids = dir.resolve(USERS_FILE);
    Path weights = dir.resolve(USERS_WEIGHTS_FILE);
    if (users.size() == 0) {
      Files.deleteIfExists(ids);
      Files.deleteIfExists(weights);
      return;
    }
    Map<String, String> metadata = new LinkedHashMap<>(AdapterProvenance.current().metadata());
    metadata.put("persona4j.method", METHOD);
    if (baseFingerprint != null) {
      metadata.put(FINGERPRINT_METADATA, baseFingerprint);
    }
    SafetensorsWriter.write(
        weights,
        Map.of(
            USERS_TENSOR, HostTensor.f32(new long[] {users.size(), users.dim()}, users.values())),
        metadata);
    ObjectNode root = JSON.createObjectNode();
    FormatVersion.stamp(root, FORMAT_VERSION);
    root.put("user_dim", users.dim());
    ArrayNode list = root.putArray("users");
    users.ids().forEach(list::add);
    AtomicFiles.writeString(ids, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  /**
   * Reads and checks the adapter in {@code dir} against {@code model}; the user table and the
   * {@code modules_to_save} tensors live on {@code manager}.
   */
  static Prepared read(AdaptableModel model, Path dir, NDManager manager) throws IOException {
    Path configFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(configFile)) {
      throw new NoSuchFileException(
          configFile.toString(),
          null,
          "a PLoRA adapter needs "
              + CONFIG_FILE
              + (Files.isRegularFile(dir.resolve(LoraConfigs.FILE_NAME))
                  ? " (this directory holds a plain LoRA adapter)"
                  : ""));
    }
    JsonNode root = JsonFiles.readObject(configFile);
    FormatVersion.check(configFile, root, FORMAT_VERSION);
    for (var it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!CONFIG_FIELDS.contains(f)) {
        throw new ModelFormatException(
            configFile,
            "unknown field '" + f + "'; fields: " + new java.util.TreeSet<>(CONFIG_FIELDS));
      }
    }
    if (!METHOD.equals(root.path("method").asText())) {
      throw new ModelFormatException(
          configFile, "field 'method' = " + root.get("method") + ", expected \"plora\"");
    }
    int userDim = intField(configFile, root, "user_dim");
    double pRate = numberField(configFile, root, "p_rate");
    double mim = numberField(configFile, root, "mim");
    LoraConfig lora = LoraConfigs.read(dir);
    PLoraConfig config;
    try {
      config = new PLoraConfig(lora, userDim, pRate, mim);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(configFile, e.getMessage());
    }
    String baseFingerprint = null;
    JsonNode fp = root.get("base_model_fingerprint");
    if (fp != null && !fp.isNull()) {
      if (!fp.isTextual() || !ModelFingerprint.isWellFormed(fp.asText())) {
        throw new ModelFormatException(
            configFile, "field 'base_model_fingerprint' = " + fp + " is not a sha256: fingerprint");
      }
      baseFingerprint = fp.asText();
    }

    Map<String, Linear> linears = model.linears();
    List<String> targets;
    try {
      targets = TargetSelector.select(lora, linears.keySet());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          dir.resolve(LoraConfigs.FILE_NAME) + ": " + e.getMessage());
    }
    Path file = dir.resolve(PeftAdapterFiles.WEIGHTS_FILE);
    Map<String, float[][]> tensors = new LinkedHashMap<>();
    Map<String, NDArray> saved = new LinkedHashMap<>();
    Map<String, HostTensor> all = new LinkedHashMap<>();
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      AdapterProvenance.checkMetadata(file, st.metadata());
      Map<String, long[]> expected = new LinkedHashMap<>();
      for (String path : targets) {
        Linear l = linears.get(path);
        int r = lora.rank(path);
        expected.put(PeftKeys.loraA(path), new long[] {r, l.inFeatures()});
        expected.put(PeftKeys.loraB(path), new long[] {l.outFeatures(), r});
        expected.put(loraP(path), new long[] {r, userDim});
      }
      List<String> extras = new ArrayList<>();
      for (String name : st.names()) {
        TensorInfo t = st.info(name);
        long[] want = expected.get(name);
        if (want == null) {
          if (!isModuleToSave(lora, name)) {
            throw new ModelFormatException(
                file,
                name,
                "is not a tensor of this PLoRA adapter on this model (targets "
                    + targets.size()
                    + " modules of "
                    + lora.targetModules()
                    + "; modules_to_save "
                    + lora.modulesToSave()
                    + ")");
          }
          extras.add(name);
        } else if (!Arrays.equals(t.shape(), want)) {
          throw new ModelFormatException(
              file,
              name,
              "has shape "
                  + Arrays.toString(t.shape())
                  + ", expected "
                  + Arrays.toString(want)
                  + " (r from "
                  + LoraConfigs.FILE_NAME
                  + ", user_dim from "
                  + CONFIG_FILE
                  + ", the base layer's sizes)");
        }
        if (!t.dtype().isFloatingPoint()) {
          throw new ModelFormatException(file, name, "dtype " + t.dtype() + " is not a float type");
        }
        long bad = st.countNonFinite(name);
        if (bad > 0) {
          throw new ModelFormatException(
              file, name, bad + " of its " + t.numel() + " values are NaN or infinite");
        }
      }
      for (String key : expected.keySet()) {
        if (!st.contains(key)) {
          throw new ModelFormatException(
              file, key, "missing (the configs imply it for this model)");
        }
      }
      for (String path : targets) {
        float[] a = st.floats(PeftKeys.loraA(path));
        float[] b = st.floats(PeftKeys.loraB(path));
        float[] p = st.floats(loraP(path));
        tensors.put(path, new float[][] {a, b, p});
        all.put(PeftKeys.loraA(path), HostTensor.f32(expected.get(PeftKeys.loraA(path)), a));
        all.put(PeftKeys.loraB(path), HostTensor.f32(expected.get(PeftKeys.loraB(path)), b));
        all.put(loraP(path), HostTensor.f32(expected.get(loraP(path)), p));
      }
      for (String key : extras) {
        all.put(key, HostTensor.f32(st.info(key).shape(), st.floats(key)));
      }
      for (String key : extras) {
        NDArray a = st.toNDArray(key, manager);
        if (a.getDataType() != DataType.FLOAT32) {
          a = a.toType(DataType.FLOAT32, false);
        }
        saved.put(key.substring(PeftKeys.PREFIX.length()), a);
      }
    }
    String recorded = root.path("adapter_fingerprint").asText(null);
    String actual = fingerprint(all);
    if (recorded != null && !recorded.equals(actual)) {
      throw new ModelFormatException(
          file,
          "its tensors' fingerprint "
              + actual
              + " differs from adapter_fingerprint "
              + recorded
              + " in "
              + CONFIG_FILE
              + ": the weights changed after the config was written");
    }
    UserTable users = readUsers(dir, userDim, manager);
    return new Prepared(config, tensors, saved, users, baseFingerprint);
  }

  /** The user table of {@code dir} (empty if it has none), checked. */
  static UserTable readUsers(Path dir, int userDim, NDManager manager) throws IOException {
    Path ids = dir.resolve(USERS_FILE);
    Path weights = dir.resolve(USERS_WEIGHTS_FILE);
    boolean hasIds = Files.isRegularFile(ids);
    if (!hasIds && !Files.exists(weights)) {
      return UserTable.empty(userDim, manager);
    }
    if (!hasIds || !Files.isRegularFile(weights)) {
      throw new NoSuchFileException(
          (hasIds ? weights : ids).toString(),
          null,
          "a PLoRA user table needs both " + USERS_FILE + " and " + USERS_WEIGHTS_FILE);
    }
    JsonNode root = JsonFiles.readObject(ids);
    FormatVersion.check(ids, root, FORMAT_VERSION);
    if (intField(ids, root, "user_dim") != userDim) {
      throw new ModelFormatException(
          ids, "field 'user_dim' = " + root.get("user_dim") + " but the adapter has " + userDim);
    }
    JsonNode list = root.get("users");
    if (list == null || !list.isArray()) {
      throw new ModelFormatException(ids, "field 'users' must be an array of user ids");
    }
    List<String> users = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!list.get(i).isTextual()) {
        throw new ModelFormatException(
            ids, "users[" + i + "] = " + list.get(i) + " is not a string");
      }
      users.add(list.get(i).asText());
    }
    try (SafetensorsFile st = SafetensorsFile.open(weights)) {
      AdapterProvenance.checkMetadata(weights, st.metadata());
      if (!st.names().equals(Set.of(USERS_TENSOR))) {
        throw new ModelFormatException(
            weights, "must hold exactly " + USERS_TENSOR + ", holds " + st.names());
      }
      long[] shape = st.info(USERS_TENSOR).shape();
      if (!Arrays.equals(shape, new long[] {users.size(), userDim})) {
        throw new ModelFormatException(
            weights,
            USERS_TENSOR,
            "has shape "
                + Arrays.toString(shape)
                + ", expected ["
                + users.size()
                + ", "
                + userDim
                + "] ("
                + users.size()
                + " users in "
                + USERS_FILE
                + ")");
      }
      if (st.countNonFinite(USERS_TENSOR) > 0) {
        throw new ModelFormatException(weights, USERS_TENSOR, "holds NaN or infinite values");
      }
      try {
        return UserTable.of(users, st.floats(USERS_TENSOR), userDim, manager);
      } catch (IllegalArgumentException e) {
        throw new ModelFormatException(ids, e.getMessage());
      }
    }
  }

  /**
   * SHA-256 over tensors in name order: each name, its shape and its float32 values (little
   * endian), as {@code sha256:<hex>}.
   */
  static String fingerprint(Map<String, HostTensor> tensors) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (Map.Entry<String, HostTensor> e : new TreeMap<>(tensors).entrySet()) {
      md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      long[] shape = e.getValue().shape();
      ByteBuffer s = ByteBuffer.allocate(8 * (shape.length + 1)).order(ByteOrder.LITTLE_ENDIAN);
      s.putLong(shape.length);
      for (long d : shape) {
        s.putLong(d);
      }
      md.update(s.array());
      md.update(e.getValue().data());
    }
    return ModelFingerprint.PREFIX + HexFormat.of().formatHex(md.digest());
  }

  /** The fingerprint of {@code model}'s shared tensors with {@code modulesToSave}. */
  public static String adapterFingerprint(PLoraModel model, Map<String, NDArray> modulesToSave) {
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    model.sharedParameters().forEach((k, v) -> tensors.put(k, f32(v)));
    modulesToSave.forEach((k, v) -> tensors.put(PeftKeys.moduleToSave(k), f32(v)));
    return fingerprint(tensors);
  }

  private static boolean isModuleToSave(LoraConfig config, String key) {
    if (!key.startsWith(PeftKeys.PREFIX)) {
      return false;
    }
    String param = key.substring(PeftKeys.PREFIX.length());
    int dot = param.lastIndexOf('.');
    return dot > 0
        && !param.contains(".lora_")
        && config.modulesToSave().contains(param.substring(0, dot));
  }

  private static int intField(Path file, JsonNode root, String field) throws ModelFormatException {
    JsonNode v = root.get(field);
    if (v == null || !v.canConvertToExactIntegral() || v.asInt() < 1) {
      throw new ModelFormatException(
          file, "field '" + field + "' = " + v + " must be an integer >= 1");
    }
    return v.asInt();
  }

  private static double numberField(Path file, JsonNode root, String field)
      throws ModelFormatException {
    JsonNode v = root.get(field);
    if (v == null || !v.isNumber()) {
      throw new ModelFormatException(file, "field '" + field + "' = " + v + " must be a number");
    }
    return v.asDouble();
  }

  static HostTensor f32(NDArray a) {
    if (a.getDataType() == DataType.FLOAT32) {
      return HostTensor.fromNDArray(a);
    }
    try (NDArray f = a.toType(DataType.FLOAT32, true)) {
      return HostTensor.fromNDArray(f);
    }
  }
}
