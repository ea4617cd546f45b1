/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Messages for Jackson's failures that a user can act on: the field (as a path such as {@code
 * dp.noiseMultiplier}), what was wrong, the line and column, and for an unknown field the valid
 * ones; never a Java class name.
 */
public final class JsonErrors {
  private static final Pattern CLASS_NOTE = Pattern.compile("\\s*\\(class [\\w.$]+\\)");
  private static final Pattern QUALIFIED_TYPE = Pattern.compile("`(?:[a-z_]\\w*\\.)+([\\w$]+)`");
  private static final Pattern UNRECOGNIZED =
      Pattern.compile(
          "Unrecognized field \"([^\"]*)\" \\(class [\\w.$]+\\), not marked as ignorable"
              + " \\(\\d+ known properties: (.*?)\\]\\)",
          Pattern.DOTALL);
  private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");
  private static final Pattern KNOWN_PROPERTIES =
      Pattern.compile(",? ?not marked as ignorable.*", Pattern.DOTALL);
  private static final Map<String, String> TYPE_WORDS =
      Map.ofEntries(
          Map.entry("int", "an integer"),
          Map.entry("Integer", "an integer"),
          Map.entry("long", "an integer"),
          Map.entry("Long", "an integer"),
          Map.entry("double", "a number"),
          Map.entry("Double", "a number"),
          Map.entry("float", "a number"),
          Map.entry("Float", "a number"),
          Map.entry("boolean", "true or false"),
          Map.entry("Boolean", "true or false"),
          Map.entry("String", "a string"));

  private JsonErrors() {}

  /**
   * What went wrong, e.g. {@code unknown field 'rounds2' (line 3, column 14); valid fields:
   * clients, rounds, ...} or {@code field 'rounds': "ten" is not an integer (line 2, column 13)}.
   */
  public static String describe(JsonProcessingException e) {
    Objects.requireNonNull(e, "e");
    String where = where(e.getLocation());
    if (e instanceof PropertyBindingException p) {
      String path = path(p);
      return "unknown field '"
          + path
          + "'"
          + where
          + validFields(p.getKnownPropertyIds(), p.getPropertyName());
    }
    if (e instanceof ValueInstantiationException v && v.getCause() != null) {
      String path = path(v);
      return (path.isEmpty() ? "" : "field '" + path + "': ")
          + clean(String.valueOf(v.getCause().getMessage()))
          + where;
    }
    if (e instanceof InvalidFormatException f) {
      return "field '"
          + path(f)
          + "': "
          + quote(f.getValue())
          + " is not "
          + typeWords(f.getTargetType())
          + where;
    }
    if (e instanceof MismatchedInputException m
        && m.getTargetType() != null
        && !m.getPath().isEmpty()) {
      return "field '" + path(m) + "': expected " + typeWords(m.getTargetType()) + where;
    }
    if (e instanceof JsonMappingException m) {
      String path = path(m);
      return (path.isEmpty() ? "" : "field '" + path + "': ")
          + clean(String.valueOf(m.getOriginalMessage()))
          + where;
    }
    return "not valid JSON: " + clean(String.valueOf(e.getOriginalMessage())) + where;
  }

  /** The field path of a mapping failure, e.g. {@code dp.noiseMultiplier} or {@code items[2]}. */
  public static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    List<JsonMappingException.Reference> refs = e.getPath();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  /**
   * Jackson's message without class names (for text that did not come as an exception); its
   * "Unrecognized field" text becomes {@code unknown field 'x'; valid fields: a, b}.
   */
  public static String clean(String message) {
    Matcher u = UNRECOGNIZED.matcher(message);
    if (u.find()) {
      String names =
          String.join(", ", QUOTED.matcher(u.group(2)).results().map(r -> r.group(1)).toList());
      message =
          message.substring(0, u.start())
              + "unknown field '"
              + u.group(1)
              + "'; valid fields: "
              + names
              + message.substring(u.end());
    }
    String s = KNOWN_PROPERTIES.matcher(message).replaceFirst("");
    s = CLASS_NOTE.matcher(s).replaceAll("");
    return QUALIFIED_TYPE.matcher(s).replaceAll("`$1`");
  }

  private static String validFields(Collection<Object> known, String unknown) {
    if (known == null || known.isEmpty()) {
      return "";
    }
    List<String> names = known.stream().map(String::valueOf).sorted().toList();
    String close =
        names.stream()
            .filter(n -> n.equalsIgnoreCase(unknown) || editDistance(n, unknown) <= 2)
            .findFirst()
            .map(n -> "; did you mean '" + n + "'?")
            .orElse("");
    return close + "; valid fields: " + String.join(", ", names);
  }

  private static String where(JsonLocation l) {
    return l == null || l.getLineNr() < 1
        ? ""
        : String.format(Locale.ROOT, " (line %d, column %d)", l.getLineNr(), l.getColumnNr());
  }

  private static String typeWords(Class<?> type) {
    if (type == null) {
      return "of the expected type";
    }
    String w = TYPE_WORDS.get(type.getSimpleName());
    if (w != null) {
      return w;
    }
    if (type.isEnum()) {
      Object[] values = type.getEnumConstants();
      StringBuilder b = new StringBuilder("one of ");
      for (int i = 0; i < values.length; i++) {
        b.append(i == 0 ? "" : ", ").append(values[i]);
      }
      return b.toString();
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "an object";
  }

  private static String quote(Object v) {
    return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost =
            Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1))
                ? 0
                : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
