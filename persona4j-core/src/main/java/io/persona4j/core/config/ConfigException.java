/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

/**
 * A config value that is invalid, inconsistent or asks for something Persona4j does not support;
 * the message names the field and the value. Config records throw it from their constructors (a
 * caller's mistake, hence an {@link IllegalArgumentException}); readers of config files rethrow it
 * as a checked {@link io.persona4j.core.io.ModelFormatException} naming the file.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  static void require(boolean condition, String field, Object value, String expectation) {
    if (!condition) {
      throw new ConfigException(
          "config.json field '" + field + "' = " + value + " is invalid: " + expectation);
    }
  }
}
