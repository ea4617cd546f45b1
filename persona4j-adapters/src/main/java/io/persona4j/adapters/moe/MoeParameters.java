/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trainable parameters of a mixture of LoRA experts, split so that the optimizer setup can give
 * the router its own learning rate ({@code lr * routerLrMultiplier}, 0.3x in iLoRA).
 *
 * @param experts A and B of every targeted layer, by PEFT's in-memory names ({@code
 *     base_model.model.<path>.lora_A.<adapter>.weight})
 * @param router the router weight {@code [K, gateDim]} as {@code moe_gate.<adapter>.router.weight};
 *     empty for random and uniform gates
 * @param routerLrMultiplier the factor on the learning rate for {@code router}
 */
public record MoeParameters(
    Map<String, NDArray> experts, Map<String, NDArray> router, double routerLrMultiplier) {
  /** Copies the maps (keeping their order). */
  public MoeParameters {
    experts = Collections.unmodifiableMap(new LinkedHashMap<>(experts));
    router = Collections.unmodifiableMap(new LinkedHashMap<>(router));
  }

  /** Experts then router, in one map. */
  public Map<String, NDArray> all() {
    Map<String, NDArray> out = new LinkedHashMap<>(experts);
    out.putAll(router);
    return Collections.unmodifiableMap(out);
  }
}
