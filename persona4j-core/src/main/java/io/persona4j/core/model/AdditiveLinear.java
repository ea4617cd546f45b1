/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import io.persona4j.core.kernel.LowRankDelta;
import java.util.List;

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

  /**
   * Whether {@code base().forward(x) + delta(x)}, with the base computed inside a fused matmul, may
   * stand in for {@code forward(x)} now; false makes the decoder call {@code forward} on separate
   * projections (e.g. a LoRA layer while training, whose dropout and gradients take that path).
   */
  default boolean fusable() {
    return true;
  }

  /**
   * The same term as {@link #delta} for the small-batch decode kernel, which adds it to the base
   * output without a PyTorch op ({@link Linear#forwardKernel}): the low-rank terms to add (empty
   * when there is nothing to add), or null when the term cannot be expressed so (per-row or gated
   * adapters, training); the decoder then calls {@link #delta}.
   */
  default List<LowRankDelta> kernelDeltas() {
    return null;
  }
}
