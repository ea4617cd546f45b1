/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import io.persona4j.core.model.AdditiveLinear;
import io.persona4j.core.model.Linear;

/**
 * A linear layer whose rows each add their own LoRA term ({@link MultiLora}): {@code y = x W^T + b}
 * for the whole batch in one matmul, plus, for rows whose adapter targets this layer, {@code (x_i
 * A_i^T) (scale_i B_i^T)}. Outside a {@link MultiLora} forward pass, or when no row of the pass has
 * an adapter here, it is exactly the base layer. As an {@link AdditiveLinear}, it lets a decoder
 * keep its fused q/k/v and gate/up matmuls.
 */
public final class RowLoraLinear extends Linear implements AdditiveLinear {
  private final Linear base;
  private final MultiLora.Module module;

  RowLoraLinear(Linear base, MultiLora.Module module) {
    super(base.name(), base.weight(), base.bias());
    this.base = base;
    this.module = module;
  }

  @Override
  public Linear base() {
    return base;
  }

  @Override
  public NDArray delta(NDArray x) {
    return module.delta(x);
  }

  @Override
  public NDArray forward(NDArray x) {
    NDArray y = base.forward(x); // [..., out]
    NDArray d = module.delta(x); // [..., out] or null
    return d == null ? y : y.add(d);
  }
}
