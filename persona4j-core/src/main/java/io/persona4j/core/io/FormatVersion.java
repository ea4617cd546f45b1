/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.model.Provenance;
import java.nio.file.Path;

/**
 * The versions every file Persona4j writes carries, written and checked in one way.
 *
 * <ul>
 *   <li>JSON files: {@value #FIELD} (an integer: the layout version of that kind of file) and
 *       {@value #CODE_FIELD} (a string: the Persona4j version that wrote it, informative), added by
 *       {@link #stamp}.
 *   <li>String-only stores (safetensors {@code __metadata__}, and its mirror in the {@code
 *       persona4j} object of PEFT's {@code adapter_config.json}): {@code persona4j.format_version}
 *       as the decimal string.
 * </ul>
 *
 * Readers call {@link #check}: a missing or unknown version is a {@link ModelFormatException}
 * naming the file, the field and the value. A version written as an integer or as its decimal
 * string is the same version (files written before this rule had {@code "1"} in some places).
 */
public final class FormatVersion {
  /** The JSON field of a file's layout version. */
  public static final String FIELD = "format_version";

  /** The JSON field of the Persona4j version that wrote a file. */
  public static final String CODE_FIELD = "code_version";

  private FormatVersion() {}

  /** Puts {@value #FIELD} = {@code version} and {@value #CODE_FIELD} into {@code root}. */
  public static ObjectNode stamp(ObjectNode root, int version) {
    root.put(FIELD, version);
    root.put(CODE_FIELD, Provenance.codeVersion());
    return root;
  }

  /**
   * Field {@value #FIELD} of {@code root} (read from {@code file}), which must be {@code
   * supported}.
   *
   * @throws ModelFormatException naming the file, the field and the value if it is missing or not
   *     {@code supported}
   */
  public static int check(Path file, JsonNode root, int supported) throws ModelFormatException {
    return check(file, FIELD, root.get(FIELD), supported, supported);
  }

  /**
   * A version read from field {@code field} of {@code file} (a JSON integer, a decimal string, or
   * null if absent), which must lie in {@code [oldest, newest]}.
   *
   * @return the version
   * @throws ModelFormatException naming the file, the field and the value otherwise
   */
  public static int check(Path file, String field, JsonNode value, int oldest, int newest)
      throws ModelFormatException {
    Integer v = parse(value);
    if (v == null || v < oldest || v > newest) {
      throw new ModelFormatException(file, problem(field, render(value), oldest, newest));
    }
    return v;
  }

  /**
   * A version read from key {@code field} of a string store, e.g. safetensors metadata (null if
   * absent), which must be {@code supported}.
   *
   * @throws ModelFormatException naming the file, the key and the value otherwise
   */
  public static int check(Path file, String field, String value, int supported)
      throws ModelFormatException {
    String problem = problem(field, value, supported);
    if (problem != null) {
      throw new ModelFormatException(file, problem);
    }
    return supported;
  }

  /**
   * Why {@code value} of field {@code field} is not version {@code supported}, or null if it is;
   * for records that validate a version before a file is known (the reader adds the file).
   */
  public static String problem(String field, String value, int supported) {
    Integer v = parse(value);
    if (v != null && v == supported) {
      return null;
    }
    return problem(field, value == null ? null : "'" + value + "'", supported, supported);
  }

  private static String problem(String field, String rendered, int oldest, int newest) {
    String reads = oldest == newest ? "'" + oldest + "'" : oldest + " to " + newest;
    if (rendered == null) {
      return "field '"
          + field
          + "' = null: no '"
          + field
          + "' (not a Persona4j file of this kind, or a damaged one; this Persona4j reads "
          + reads
          + ")";
    }
    return "field '"
        + field
        + "' = "
        + rendered
        + ": unsupported; this Persona4j reads "
        + reads
        + " only (a newer Persona4j may have written the file)";
  }

  private static Integer parse(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isIntegralNumber() && value.canConvertToInt()) {
      return value.intValue();
    }
    return value.isTextual() ? parse(value.textValue()) : null;
  }

  private static Integer parse(String value) {
    if (value == null || !value.matches("[0-9]{1,9}")) {
      return null;
    }
    return Integer.parseInt(value);
  }

  private static String render(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    String s = value.isTextual() ? "'" + value.textValue() + "'" : value.toString();
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
