/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.config.ConfigException;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code sasrec_config.json}: the {@link SasRecConfig} fields (snake_case) plus {@code
 * format_version} (integer, {@value #FORMAT_VERSION} here), {@code code_version} (the Persona4j
 * version that wrote it, informative) and {@code model_type} ({@code "sasrec"}).
 *
 * <p>Reading is strict: an unknown or missing {@code format_version}, a missing or unknown field, a
 * wrong type or an invalid value is a {@link ModelFormatException} naming the file (and for syntax
 * errors the line and column).
 */
public final class SasRecConfigFile {
  /** The file name inside a SASRec model directory. */
  public static final String FILE_NAME = "sasrec_config.json";

  /** The layout version this code writes and reads. */
  public static final int FORMAT_VERSION = 1;

  static final String MODEL_TYPE = "sasrec";

  private static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES);

  private SasRecConfigFile() {}

  /** The JSON text written for {@code config} (pretty-printed, UTF-8). */
  static byte[] toJson(SasRecConfig config) {
    ObjectNode root = MAPPER.createObjectNode();
    FormatVersion.stamp(root, FORMAT_VERSION);
    root.put("model_type", MODEL_TYPE);
    root.setAll((ObjectNode) MAPPER.valueToTree(config));
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code config} to {@code file} (atomically). */
  static void write(Path file, SasRecConfig config) throws IOException {
    AtomicFiles.write(file, toJson(config));
  }

  /**
   * Reads and validates a config file.
   *
   * @throws ModelFormatException naming {@code file} if it is not valid JSON, of another format
   *     version, or holds missing, unknown or invalid fields
   * @throws IOException if it cannot be read
   */
  public static SasRecConfig read(Path file) throws IOException {
    String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ModelFormatException(
          file, null, where(e.getLocation()) + e.getOriginalMessage(), e);
    }
    if (!(node instanceof ObjectNode root)) {
      throw new ModelFormatException(file, "not a JSON object");
    }
    FormatVersion.check(file, root, FORMAT_VERSION);
    root.remove(FormatVersion.FIELD);
    JsonNode type = root.remove("model_type");
    if (type == null || !MODEL_TYPE.equals(type.asText(null))) {
      throw new ModelFormatException(
          file, "field 'model_type' = " + type + " is not \"" + MODEL_TYPE + "\"");
    }
    root.remove(FormatVersion.CODE_FIELD);
    try {
      return MAPPER.treeToValue(root, SasRecConfig.class);
    } catch (JsonProcessingException e) {
      Throwable c = e.getCause();
      String detail = c instanceof ConfigException ? c.getMessage() : e.getOriginalMessage();
      throw new ModelFormatException(file, null, detail, e);
    } catch (ConfigException e) {
      throw new ModelFormatException(file, null, e.getMessage(), e);
    }
  }

  private static String where(JsonLocation l) {
    return l == null ? "" : "line " + l.getLineNr() + ", column " + l.getColumnNr() + ": ";
  }
}
