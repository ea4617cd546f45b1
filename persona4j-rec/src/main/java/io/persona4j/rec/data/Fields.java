/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import io.persona4j.core.train.DatasetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parsing of one line's fields with errors that name file, line, column and value. {@code columns}
 * names the fields of the line in order (the header, or the documented layout).
 */
final class Fields {
  private final Path file;
  private final long line;
  private final List<String> columns;
  private final List<String> values;

  private Fields(Path file, long line, List<String> columns, List<String> values) {
    this.file = file;
    this.line = line;
    this.columns = columns;
    this.values = values;
  }

  /**
   * The fields of one line, which must number exactly {@code columns.size()}.
   *
   * @param text the line, quoted in the error message
   */
  static Fields of(Path file, long line, List<String> columns, List<String> values, String text)
      throws DatasetException {
    if (values.size() != columns.size()) {
      throw new DatasetException(
          file,
          line,
          null,
          "expected "
              + columns.size()
              + " fields ("
              + String.join(",", columns)
              + "), found "
              + values.size()
              + ": '"
              + text
              + "'");
    }
    return new Fields(file, line, columns, values);
  }

  /** The comma-separated fields of {@code text} (see {@link CsvLine}). */
  static List<String> csv(Path file, long line, String text, char delimiter)
      throws DatasetException {
    try {
      return CsvLine.parse(text, delimiter);
    } catch (CsvLine.MalformedException e) {
      throw new DatasetException(file, line, null, e.getMessage() + ": '" + text + "'");
    }
  }

  /** {@code text} split at every occurrence of {@code separator} (no quoting). */
  static List<String> split(String text, String separator) {
    List<String> out = new ArrayList<>();
    int from = 0;
    int at;
    while ((at = text.indexOf(separator, from)) >= 0) {
      out.add(text.substring(from, at));
      from = at + separator.length();
    }
    out.add(text.substring(from));
    return out;
  }

  String text(int column) {
    return values.get(column);
  }

  long integer(int column) throws DatasetException {
    String v = values.get(column).strip();
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw error(column, "not an integer");
    }
  }

  /** A number; an empty field is NaN when {@code optional}. */
  float number(int column, boolean optional) throws DatasetException {
    String v = values.get(column).strip();
    if (optional && v.isEmpty()) {
      return Float.NaN;
    }
    try {
      float f = Float.parseFloat(v);
      if (!Float.isFinite(f)) {
        throw error(column, "not a finite number");
      }
      return f;
    } catch (NumberFormatException e) {
      throw error(column, "not a number");
    }
  }

  DatasetException error(int column, String problem) {
    return new DatasetException(
        file,
        line,
        "column " + (column + 1) + " (" + columns.get(column) + ")",
        problem + ": '" + values.get(column) + "'");
  }
}
