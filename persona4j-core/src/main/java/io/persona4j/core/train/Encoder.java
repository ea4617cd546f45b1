/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;

/**
 * Any encoder producing per-token features, e.g. {@code (ids, mask) -> bert.forward(ids, mask,
 * null)}.
 */
@FunctionalInterface
public interface Encoder {
  /**
   * @param ids {@code [B, T]} int64 token ids, right-padded
   * @param attentionMask {@code [B, T]} int64, 1 for real tokens
   * @return {@code [B, T, H]} hidden states on {@code ids}' manager
   */
  NDArray encode(NDArray ids, NDArray attentionMask);
}
