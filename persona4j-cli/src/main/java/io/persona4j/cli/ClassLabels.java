/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.JsonFiles;
import io.persona4j.core.train.DatasetException;
import io.persona4j.core.train.Pooling;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The classes of a {@code {"text","label"}} data set and the {@code classifier.json} that records
 * them beside a trained classification adapter (label names by class index, pooling, format
 * version), so that {@code persona4j classify} maps logits back to names.
 *
 * @param names class names by index; for integer labels {@code "0", "1", ...}
 * @param pooling how token features become one vector per text
 */
record ClassLabels(List<String> names, Pooling pooling) {
  static final String FILE = "classifier.json";
  static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  ClassLabels {
    names = List.copyOf(names);
    if (names.size() < 2) {
      throw new IllegalArgumentException(
          "a classifier needs at least 2 classes, got " + names.size() + ": " + names);
    }
  }

  int size() {
    return names.size();
  }

  /** True if labels are the integers {@code 0..n-1} (written as numbers in the data). */
  boolean numeric() {
    for (int i = 0; i < names.size(); i++) {
      if (!names.get(i).equals(Integer.toString(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The classes of a JSONL file's {@code label} fields: all integers give {@code 0..max} (at least
   * 2 classes), all strings give their sorted distinct values. Rows that do not parse are left to
   * the data set reader, which reports them by line.
   *
   * @throws DatasetException if integer and string labels are mixed, or no row has a label
   */
  static ClassLabels scan(Path file, Pooling pooling) throws IOException {
    TreeSet<String> strings = new TreeSet<>();
    int maxInt = -1;
    long line = 0;
    long firstString = 0;
    long firstInt = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String s = r.readLine(); s != null; s = r.readLine()) {
        line++;
        JsonNode label;
        try {
          label = s.isBlank() ? null : JSON.readTree(s).get("label");
        } catch (IOException e) {
          continue;
        }
        if (label == null) {
          continue;
        }
        if (label.isIntegralNumber() && label.canConvertToInt() && label.asInt() >= 0) {
          maxInt = Math.max(maxInt, label.asInt());
          firstInt = firstInt == 0 ? line : firstInt;
        } else if (label.isTextual()) {
          strings.add(label.asText());
          firstString = firstString == 0 ? line : firstString;
        }
      }
    }
    if (maxInt >= 0 && !strings.isEmpty()) {
      throw new DatasetException(
          file,
          "mixes integer labels (line "
              + firstInt
              + ") and string labels (line "
              + firstString
              + "); use one kind");
    }
    List<String> names = new ArrayList<>(strings);
    if (maxInt >= 0) {
      for (int i = 0; i <= Math.max(1, maxInt); i++) {
        names.add(Integer.toString(i));
      }
    }
    if (names.isEmpty()) {
      throw new DatasetException(file, "has no row with a usable \"label\" field");
    }
    if (names.size() < 2) {
      throw new DatasetException(
          file, "has a single class " + names + "; a classifier needs at least 2");
    }
    return new ClassLabels(names, pooling);
  }

  /** The first line (1-based) of a JSONL file whose row has a {@code label} field, or 0. */
  static long firstLabelledLine(Path file) throws IOException {
    long line = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String s = r.readLine(); s != null; s = r.readLine()) {
        line++;
        try {
          if (!s.isBlank() && JSON.readTree(s).has("label")) {
            return line;
          }
        } catch (IOException e) {
          // malformed rows are reported by the data set reader
        }
      }
    }
    return 0;
  }

  void write(Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    FormatVersion.stamp(root, FORMAT_VERSION);
    root.put("pooling", pooling.name().toLowerCase(Locale.ROOT));
    ArrayNode labels = root.putArray("labels");
    names.forEach(labels::add);
    AtomicFiles.writeString(
        dir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  /**
   * Reads {@code dir/classifier.json}.
   *
   * @throws IOException naming the file and field for a missing file, an unknown format version, a
   *     bad pooling or fewer than 2 labels
   */
  static ClassLabels read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          file + ": missing; is this a classification adapter written by persona4j train?");
    }
    JsonNode root = JsonFiles.readObject(file);
    FormatVersion.check(file, root, FORMAT_VERSION);
    Pooling pooling;
    try {
      pooling = Pooling.valueOf(root.path("pooling").asText().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": pooling " + root.get("pooling") + " is not mean or cls", e);
    }
    List<String> names = new ArrayList<>();
    root.path("labels").forEach(n -> names.add(n.asText()));
    if (names.size() < 2) {
      throw new IOException(file + ": labels " + root.get("labels") + " must list >= 2 classes");
    }
    return new ClassLabels(names, pooling);
  }
}
