/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Element types of the safetensors format, named as in the file header ({@code "F32"}, ...). */
public enum DType {
  F64(8, true),
  F32(4, true),
  F16(2, true),
  BF16(2, true),
  I64(8, false),
  I32(4, false),
  I16(2, false),
  I8(1, false),
  U8(1, false),
  BOOL(1, false);

  private final int byteSize;
  private final boolean floatingPoint;

  DType(int byteSize, boolean floatingPoint) {
    this.byteSize = byteSize;
    this.floatingPoint = floatingPoint;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** True for F64, F32, F16 and BF16. */
  public boolean isFloatingPoint() {
    return floatingPoint;
  }

  /**
   * The type with this safetensors name (case-sensitive, as the format defines it).
   *
   * @throws IllegalArgumentException naming the unknown dtype and the supported ones
   */
  public static DType parse(String safetensorsName) {
    if (safetensorsName != null) {
      for (DType t : values()) {
        if (t.name().equals(safetensorsName)) {
          return t;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown safetensors dtype '"
            + safetensorsName
            + "' (supported: "
            + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "))
            + ")");
  }
}
