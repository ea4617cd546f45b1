/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.util.List;

/**
 * The LoRA hyper-parameters of an entry, as its {@code adapter_config.json} states them.
 *
 * @param rank {@code r} (per-module {@code rank_pattern} overrides are not summarized)
 * @param alpha {@code lora_alpha}
 * @param targets the {@code target_modules} names, or a single {@code "regex:<pattern>"} element
 *     for a regular expression; empty when the config leaves them to PEFT's defaults
 */
public record LoraShape(int rank, double alpha, List<String> targets) {
  /**
   * @throws IllegalArgumentException for a rank &lt;= 0, a non-finite alpha or a null target
   */
  public LoraShape {
    if (rank <= 0) {
      throw new IllegalArgumentException("LoRA rank = " + rank + " must be > 0");
    }
    if (!Double.isFinite(alpha)) {
      throw new IllegalArgumentException("LoRA alpha = " + alpha + " must be finite");
    }
    targets = List.copyOf(targets == null ? List.of() : targets);
  }
}
