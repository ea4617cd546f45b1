/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * A linear layer {@code y = x W^T + b} with the Hugging Face weight layout {@code [out, in]}.
 *
 * <p>Not final: adapters (LoRA and friends) wrap a base layer and add their own term.
 */
public class Linear {
  private final String name;
  private final NDArray weight;
  private final NDArray bias;

  /**
   * @param name module path as in the checkpoint, e.g. {@code model.layers.0.self_attn.q_proj}
   * @param weight {@code [out, in]}
   * @param bias {@code [out]} or null
   */
  public Linear(String name, NDArray weight, NDArray bias) {
    this.name = Objects.requireNonNull(name, "name");
    this.weight = Objects.requireNonNull(weight, "weight");
    this.bias = bias;
  }

  /** {@code x [..., in] -> [..., out]}; the result lives on {@code x}'s manager. */
  public NDArray forward(NDArray x) {
    return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
  }

  public String name() {
    return name;
  }

  /** {@code [out, in]}. */
  public NDArray weight() {
    return weight;
  }

  /** {@code [out]} or null. */
  public NDArray bias() {
    return bias;
  }

  public long inFeatures() {
    return weight.getShape().get(1);
  }

  public long outFeatures() {
    return weight.getShape().get(0);
  }

  /**
   * Returns {@code replacement} if it may take this layer's place (adapter injection): the same
   * input and output sizes.
   *
   * @throws IllegalArgumentException naming this layer if the shapes differ
   */
  public Linear requireSameShape(Linear replacement) {
    if (replacement.inFeatures() != inFeatures() || replacement.outFeatures() != outFeatures()) {
      throw new IllegalArgumentException("replacement for " + name + " changes its shape");
    }
    return replacement;
  }
}
