/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * Validation of untrusted input to the store (user ids, file paths inside a payload, free text):
 * every message names what is wrong, with the value quoted and escaped.
 */
final class StoreInputs {
  /** Longest user id. */
  static final int MAX_USER_ID = 128;

  /** Longest path of a file inside a payload, and of one of its segments. */
  static final int MAX_PATH = 255;

  static final int MAX_SEGMENT = 100;
  static final int MAX_DEPTH = 8;

  static final int MAX_SOURCE_RUN = 200;
  static final int MAX_SOURCE_NOTE = 1000;

  static final String USER_ID_RULE =
      "1 to "
          + MAX_USER_ID
          + " characters: ASCII letters, digits and . _ - @ + : = (no spaces, slashes or control"
          + " characters)";

  private StoreInputs() {}

  /**
   * Checks a user id.
   *
   * @throws IllegalArgumentException naming the value, the offending character and the rule
   */
  static String checkUserId(String userId) {
    if (userId == null || userId.isEmpty()) {
      throw new IllegalArgumentException("user id is empty; a user id is " + USER_ID_RULE);
    }
    if (userId.length() > MAX_USER_ID) {
      throw new IllegalArgumentException(
          "user id "
              + quote(userId)
              + " has "
              + userId.length()
              + " characters; a user id is "
              + USER_ID_RULE);
    }
    for (int i = 0; i < userId.length(); i++) {
      char c = userId.charAt(i);
      if (!isUserIdChar(c)) {
        throw new IllegalArgumentException(
            "user id "
                + quote(userId)
                + ": character "
                + quote(String.valueOf(c))
                + " at index "
                + i
                + " is not allowed; a user id is "
                + USER_ID_RULE);
      }
    }
    return userId;
  }

  /** Whether {@code userId} passes {@link #checkUserId}. */
  static boolean isUserId(String userId) {
    try {
      checkUserId(userId);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isUserIdChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || ".-_@+:=".indexOf(c) >= 0;
  }

  /**
   * Checks the relative path of a file in a payload: {@code /}-separated segments of ASCII letters,
   * digits, {@code . _ -}; no {@code .} or {@code ..} segment, no empty segment.
   *
   * @throws IllegalArgumentException naming the path and what is wrong
   */
  static String checkPath(String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("file path is empty");
    }
    if (path.length() > MAX_PATH) {
      throw new IllegalArgumentException(
          "file path " + quote(path) + " is longer than " + MAX_PATH + " characters");
    }
    String[] segments = path.split("/", -1);
    if (segments.length > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "file path " + quote(path) + " is nested deeper than " + MAX_DEPTH + " directories");
    }
    for (String s : segments) {
      if (s.isEmpty() || s.equals(".") || s.equals("..")) {
        throw new IllegalArgumentException(
            "file path "
                + quote(path)
                + " has an empty, '.' or '..' segment (paths are relative, '/'-separated)");
      }
      if (s.length() > MAX_SEGMENT) {
        throw new IllegalArgumentException(
            "file path " + quote(path) + ": a name is longer than " + MAX_SEGMENT + " characters");
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '_'
                || c == '-';
        if (!ok) {
          throw new IllegalArgumentException(
              "file path "
                  + quote(path)
                  + ": character "
                  + quote(String.valueOf(c))
                  + " is not allowed (file names are ASCII letters, digits and . _ -)");
        }
      }
    }
    return path;
  }

  /** Null stays null; otherwise checks length and control characters. */
  static String optionalText(String text, String field, int maxLength) {
    if (text == null) {
      return null;
    }
    if (text.length() > maxLength) {
      throw new IllegalArgumentException(
          field + " has " + text.length() + " characters, more than the " + maxLength + " allowed");
    }
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        throw new IllegalArgumentException(
            field + " " + quote(text) + " holds a control character at index " + i);
      }
    }
    return text;
  }

  /**
   * {@code 'value'} with control and non-ASCII characters escaped and long values cut, safe to put
   * in a message or a log line.
   */
  static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("'");
    int n = Math.min(value.length(), 80);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c == '\'' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c >= 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (value.length() > n) {
      b.append("...(").append(value.length()).append(" characters)");
    }
    return b.append('\'').toString();
  }

  /** {@code user 'u' kind lora version 3} (version omitted when &lt;= 0, kind when null). */
  static String describe(String userId, AdapterKind kind, long version) {
    StringBuilder b = new StringBuilder("user ").append(quote(userId));
    if (kind != null) {
      b.append(" kind ").append(kind.id());
    }
    if (version > 0) {
      b.append(" version ").append(version);
    }
    return b.toString();
  }
}
