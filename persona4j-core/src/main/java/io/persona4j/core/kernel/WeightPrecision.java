/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import java.util.Locale;

/**
 * The precision a model's projection weights are streamed in while decoding small batches (steps of
 * at most {@link PackedMatrix#MAX_DECODE_ROWS} rows, which run on this package's Java Vector API
 * kernel).
 *
 * <p>{@link #F32} is the reference: the kernel reads PyTorch's F32 weights in place (no copy; on a
 * JDK without native-memory vector loads, PyTorch computes every step). {@link #BF16} and {@link
 * #INT8} pack each projection (and the LM head) once at load time into a {@link PackedMatrix}.
 * Prefill and training stay on PyTorch, which computes with the same (rounded) weights.
 */
public enum WeightPrecision {
  /** 32-bit floats, read in place from PyTorch's arrays (4 bytes per weight). */
  F32(4),
  /** bfloat16, round to nearest even (2 bytes per weight). */
  BF16(2),
  /** Symmetric int8 with one F32 scale per output channel (1 byte per weight, plus 4 per row). */
  INT8(1);

  private final int bytesPerWeight;

  WeightPrecision(int bytesPerWeight) {
    this.bytesPerWeight = bytesPerWeight;
  }

  /** Bytes a decode step streams per weight (scales not counted). */
  public int bytesPerWeight() {
    return bytesPerWeight;
  }

  /** The lower-case name used on the command line ({@code f32}, {@code bf16}, {@code int8}). */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code f32}, {@code bf16} or {@code int8} (any case).
   *
   * @throws IllegalArgumentException naming the value and the valid ones
   */
  public static WeightPrecision parse(String s) {
    for (WeightPrecision p : values()) {
      if (p.cliName().equalsIgnoreCase(s == null ? "" : s.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException("weights '" + s + "' is not one of f32, bf16, int8");
  }
}
