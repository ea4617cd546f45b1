/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import java.util.Locale;

/**
 * Parameter counts of an adapted model, as PEFT's {@code print_trainable_parameters} reports them.
 *
 * @param trainable parameters that record gradients (the trainable adapters' A and B)
 * @param total base model parameters plus every adapter's parameters
 */
public record ParameterCounts(long trainable, long total) {
  /** Checks {@code 0 <= trainable <= total}. */
  public ParameterCounts {
    if (trainable < 0 || trainable > total) {
      throw new IllegalArgumentException("trainable " + trainable + " of total " + total);
    }
  }

  /** {@code 100 * trainable / total}. */
  public double trainablePercent() {
    return total == 0 ? 0 : 100.0 * trainable / total;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "trainable params: %,d || all params: %,d || trainable%%: %.4f",
        trainable,
        total,
        trainablePercent());
  }
}
