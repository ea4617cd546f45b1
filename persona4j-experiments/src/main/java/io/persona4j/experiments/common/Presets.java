/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/** Shared checks and lookup of the experiments' presets. */
public final class Presets {
  private Presets() {}

  /**
   * The preset called {@code name} among {@code presets}.
   *
   * @throws IllegalArgumentException naming {@code --preset}, the value and the valid names
   */
  public static <T> T byName(String name, Map<String, Supplier<T>> presets) {
    Supplier<T> p = presets.get(name);
    if (p == null) {
      throw new IllegalArgumentException(
          "--preset: '"
              + name
              + "' is not one of "
              + String.join(", ", new TreeSet<>(presets.keySet())));
    }
    return p.get();
  }

  /** {@code field must be >= min, got value}. */
  public static void atLeast(String field, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(field + " must be >= " + min + ", got " + value);
    }
  }

  /** {@code field must be finite and > 0, got value}. */
  public static void positive(String field, double value) {
    if (!(value > 0) || !Double.isFinite(value)) {
      throw new IllegalArgumentException(field + " must be finite and > 0, got " + value);
    }
  }

  /** {@code field is required}. */
  static void required(String field, Object value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required");
    }
  }
}
