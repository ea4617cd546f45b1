/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * How per-token features {@code [B, T, H]} become one feature vector per sequence {@code [B, H]}.
 */
public enum Pooling {
  /** The first token's features (BERT's {@code [CLS]}). */
  CLS {
    @Override
    NDArray poolChecked(NDArray hidden, NDArray attentionMask) {
      return hidden.get(new NDIndex(":, 0, :")); // [B, H]
    }
  },
  /** The mean over real tokens (padding excluded), as sentence-transformers pools. */
  MEAN {
    @Override
    NDArray poolChecked(NDArray hidden, NDArray attentionMask) {
      NDArray m = attentionMask.toType(DataType.FLOAT32, false).expandDims(-1); // [B, T, 1]
      NDArray sum = hidden.mul(m).sum(new int[] {1}); // [B, H]
      NDArray count = m.sum(new int[] {1}).maximum(1e-9f); // [B, 1]
      return sum.div(count); // [B, H]
    }
  };

  /**
   * @param hidden {@code [B, T, H]}
   * @param attentionMask {@code [B, T]}, 1 for real tokens
   * @return {@code [B, H]} on {@code hidden}'s manager
   */
  public NDArray pool(NDArray hidden, NDArray attentionMask) {
    Shape s = hidden.getShape();
    if (s.dimension() != 3 || !attentionMask.getShape().equals(s.slice(0, 2))) {
      throw new IllegalArgumentException(
          "hidden " + s + " and mask " + attentionMask.getShape() + " must be [B, T, H], [B, T]");
    }
    return poolChecked(hidden, attentionMask);
  }

  abstract NDArray poolChecked(NDArray hidden, NDArray attentionMask);
}
