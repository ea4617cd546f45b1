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
import io.persona4j.core.model.Provenance;
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
 * wrong type or an invalid value is an {@link IOException} naming the file (and for syntax errors
 * the line and column).
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
    root.put("format_version", FORMAT_VERSION);
    root.put("code_version", Provenance.codeVersion());
    root.put("model_type", MODEL_TYPE);
    root.setAll((ObjectNode) MAPPER.valueToTree(config));
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code config} to {@code file} (not atomically; model saves go through a temp dir). */
  static void write(Path file, SasRecConfig config) throws IOException {
    Files.write(file, toJson(config));
  }

  /**
   * Reads and validates a config file.
   *
   * @throws IOException naming {@code file} if it is unreadable, not valid JSON, of another format
   *     version, or holds missing, unknown or invalid fields
   */
  public static SasRecConfig read(Path file) throws IOException {
    String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": " + where(e.getLocation()) + e.getOriginalMessage(), e);
    }
    if (!(node instanceof ObjectNode root)) {
      throw new IOException(file + ": not a JSON object");
    }
    JsonNode version = root.remove("format_version");
    if (version == null) {
      throw new IOException(
          file + ": no 'format_version' (not a Persona4j SASRec config, or a damaged one)");
    }
    if (!version.isInt() || version.intValue() != FORMAT_VERSION) {
      throw new IOException(
          file
              + ": format_version "
              + version
              + " is not supported (this Persona4j reads version "
              + FORMAT_VERSION
              + "; a newer Persona4j may have written it)");
    }
    JsonNode type = root.remove("model_type");
    if (type == null || !MODEL_TYPE.equals(type.asText(null))) {
      throw new IOException(file + ": model_type " + type + " is not \"" + MODEL_TYPE + "\"");
    }
    root.remove("code_version");
    try {
      return MAPPER.treeToValue(root, SasRecConfig.class);
    } catch (JsonProcessingException e) {
      Throwable c = e.getCause();
      String detail = c instanceof ConfigException ? c.getMessage() : e.getOriginalMessage();
      throw new IOException(file + ": " + detail, e);
    } catch (ConfigException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static String where(JsonLocation l) {
    return l == null ? "" : "line " + l.getLineNr() + ", column " + l.getColumnNr() + ": ";
  }
}
