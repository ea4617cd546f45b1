/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A small parser for one line of delimiter-separated text in the RFC 4180 style: a field is either
 * plain text (no quotes) or enclosed in double quotes, inside which the delimiter is literal and a
 * doubled quote ({@code ""}) stands for one quote. Fields are not trimmed. Quoted fields spanning
 * several lines are not supported (no data set used here has them): an unterminated quote is an
 * error.
 */
public final class CsvLine {
  private CsvLine() {}

  /** A line that does not follow the rules above; {@link #position()} is 1-based. */
  public static final class MalformedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int position;

    MalformedException(String problem, int position) {
      super(problem + " at character " + position);
      this.position = position;
    }

    /** 1-based position of the offending character in the line. */
    public int position() {
      return position;
    }
  }

  /** The comma-separated fields of {@code line}. */
  public static List<String> parse(String line) {
    return parse(line, ',');
  }

  /**
   * The fields of {@code line} separated by {@code delimiter} (which must not be a quote). An empty
   * line is one empty field; {@code "a,"} is two fields, the second empty.
   */
  public static List<String> parse(String line, char delimiter) {
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException(
          "delimiter must not be a quote or newline, got " + delimiter);
    }
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int n = line.length();
    int i = 0;
    while (true) {
      if (i < n && line.charAt(i) == '"') {
        int open = i;
        i++;
        while (true) {
          if (i >= n) {
            throw new MalformedException("unterminated quoted field opened", open + 1);
          }
          char c = line.charAt(i);
          if (c == '"') {
            if (i + 1 < n && line.charAt(i + 1) == '"') {
              field.append('"');
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            field.append(c);
            i++;
          }
        }
        if (i < n && line.charAt(i) != delimiter) {
          throw new MalformedException("text after the closing quote of a field", i + 1);
        }
      } else {
        while (i < n && line.charAt(i) != delimiter) {
          char c = line.charAt(i);
          if (c == '"') {
            throw new MalformedException("quote inside an unquoted field", i + 1);
          }
          field.append(c);
          i++;
        }
      }
      fields.add(field.toString());
      field.setLength(0);
      if (i >= n) {
        return fields;
      }
      i++; // the delimiter
    }
  }
}
