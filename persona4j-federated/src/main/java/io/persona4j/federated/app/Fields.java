/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

/** The errors of the federated app records: they name the config field and its value. */
final class Fields {
  private Fields() {}

  /** {@code field 'rounds' must be >= 1, got 0}. */
  static IllegalArgumentException bad(String field, Object value, String why) {
    return new IllegalArgumentException(
        "field '"
            + field
            + "' "
            + why
            + ", got "
            + (value instanceof String ? "'" + value + "'" : value));
  }

  static void require(boolean ok, String field, Object value, String why) {
    if (!ok) {
      throw bad(field, value, why);
    }
  }

  /** Finite and {@code > 0}. */
  static void positive(String field, double value) {
    require(value > 0 && Double.isFinite(value), field, value, "must be a number > 0");
  }
}
