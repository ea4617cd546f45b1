/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.ModelFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One user's PLoRA vector as a small entry of its own (the adapter store's {@code user_vector}
 * kind): a directory holding {@value #FILE_NAME} with one tensor {@value #TENSOR} {@code [d_u]}
 * (F32) and, in its metadata, the format version, the user id, the base model's fingerprint ({@code
 * persona4j.base_model_fingerprint}, which the store requires) and the fingerprint of the shared
 * PLoRA adapter the vector was fitted to ({@code persona4j.plora_adapter_fingerprint}, see {@link
 * PLoraFiles}). A vector of {@code d_u = 512} takes 2 KiB of values.
 *
 * @param userId the user
 * @param vector the user's {@code p_u}
 * @param baseModelFingerprint the base (encoder) model's fingerprint
 * @param adapterFingerprint the shared PLoRA adapter's fingerprint
 */
public record UserVectorFile(
    String userId, float[] vector, String baseModelFingerprint, String adapterFingerprint) {
  /** The file in an entry's directory. */
  public static final String FILE_NAME = "user_vector.safetensors";

  /** The vector's tensor name. */
  public static final String TENSOR = "user_vector";

  /** Layout version (the safetensors metadata's {@code persona4j.format_version}). */
  public static final int FORMAT_VERSION = 1;

  static final String USER_KEY = "persona4j.user_id";
  static final String ADAPTER_KEY = "persona4j.plora_adapter_fingerprint";
  static final String KIND_KEY = "persona4j.kind";
  static final String KIND = "plora_user_vector";

  /** Validates the id, the values and both fingerprints. */
  public UserVectorFile {
    UserTable.checkId(userId);
    vector = vector.clone();
    if (vector.length == 0) {
      throw new IllegalArgumentException("user '" + userId + "': empty vector");
    }
    for (int i = 0; i < vector.length; i++) {
      if (!Float.isFinite(vector[i])) {
        throw new IllegalArgumentException(
            "user '" + userId + "': value " + i + " of its vector is " + vector[i]);
      }
    }
    ModelFingerprint.requireWellFormed(
        Objects.requireNonNull(baseModelFingerprint, "baseModelFingerprint"),
        "base model fingerprint");
    ModelFingerprint.requireWellFormed(
        Objects.requireNonNull(adapterFingerprint, "adapterFingerprint"),
        "PLoRA adapter fingerprint");
  }

  @Override
  public float[] vector() {
    return vector.clone();
  }

  /** Writes {@code dir/}{@value #FILE_NAME} (atomically). */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, String> metadata = new LinkedHashMap<>(AdapterProvenance.current().metadata());
    metadata.put(AdapterProvenance.METADATA_FORMAT_KEY, Integer.toString(FORMAT_VERSION));
    metadata.put(KIND_KEY, KIND);
    metadata.put(USER_KEY, userId);
    metadata.put(PLoraFiles.FINGERPRINT_METADATA, baseModelFingerprint);
    metadata.put(ADAPTER_KEY, adapterFingerprint);
    SafetensorsWriter.write(
        dir.resolve(FILE_NAME),
        Map.of(TENSOR, HostTensor.f32(new long[] {vector.length}, vector)),
        metadata);
  }

  /**
   * Reads an entry from its directory (or the file itself), checked.
   *
   * @throws ModelFormatException naming the file and field for a wrong version, kind, tensor or
   *     value
   */
  public static UserVectorFile read(Path dirOrFile) throws IOException {
    Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE_NAME) : dirOrFile;
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "a PLoRA user vector entry needs it");
    }
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      Map<String, String> meta = st.metadata();
      FormatVersion.check(
          file,
          "__metadata__ " + AdapterProvenance.METADATA_FORMAT_KEY,
          meta.get(AdapterProvenance.METADATA_FORMAT_KEY),
          FORMAT_VERSION);
      if (!KIND.equals(meta.get(KIND_KEY))) {
        throw new ModelFormatException(
            file, "__metadata__ " + KIND_KEY + " = " + meta.get(KIND_KEY) + ", expected " + KIND);
      }
      if (!st.names().equals(Set.of(TENSOR))) {
        throw new ModelFormatException(
            file, "must hold exactly " + TENSOR + ", holds " + st.names());
      }
      long[] shape = st.info(TENSOR).shape();
      if (shape.length != 1 || shape[0] < 1) {
        throw new ModelFormatException(
            file, TENSOR, "has shape " + Arrays.toString(shape) + ", expected [d_u]");
      }
      try {
        return new UserVectorFile(
            meta.get(USER_KEY),
            st.floats(TENSOR),
            meta.get(PLoraFiles.FINGERPRINT_METADATA),
            meta.get(ADAPTER_KEY));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new ModelFormatException(file, e.getMessage());
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UserVectorFile u
        && userId.equals(u.userId)
        && Arrays.equals(vector, u.vector)
        && baseModelFingerprint.equals(u.baseModelFingerprint)
        && adapterFingerprint.equals(u.adapterFingerprint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(userId, Arrays.hashCode(vector), baseModelFingerprint, adapterFingerprint);
  }

  @Override
  public String toString() {
    return "UserVectorFile[" + userId + ", d_u " + vector.length + "]";
  }
}
