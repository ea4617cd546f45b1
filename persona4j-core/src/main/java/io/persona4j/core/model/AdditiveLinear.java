/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;

/**
 * A linear layer that adds a term to an unchanged base layer: {@code forward(x) = base().forward(x)
 * + delta(x)}, with a frozen base. Models that fuse several base projections into one matmul (the
 * decoder's q/k/v and gate/up) keep the fused matmul for such layers and add their deltas to its
 * output; per-row serving adapters are of this kind.
 */
public interface AdditiveLinear {
  /** The wrapped base layer (its weight and bias are this layer's). */
  Linear base();

  /**
   * The term added to the base output for {@code x [..., in]}: {@code [..., out]} on {@code x}'s
   * manager, or null when there is nothing to add.
   */
  NDArray delta(NDArray x);
}
