package io.persona4j.core.config;

/**
 * A config.json that is malformed, inconsistent or asks for something Persona4j does not support.
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
