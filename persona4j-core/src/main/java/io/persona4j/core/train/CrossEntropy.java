/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Summed (not averaged) cross-entropy losses; callers divide by their own target count. */
public final class CrossEntropy {
  private CrossEntropy() {}

  /**
   * Next-token loss {@code -sum_{b,t} w[b,t] * log softmax(logits[b,t])[targets[b,t]]}.
   *
   * @param logits {@code [B, T, V]}
   * @param targets {@code [B, T]} integer token ids in {@code [0, V)} (also where the weight is 0)
   * @param weights {@code [B, T]} float32, 1 where a target counts, 0 elsewhere
   * @return a scalar on {@code logits}' manager
   */
  public static NDArray tokenSum(NDArray logits, NDArray targets, NDArray weights) {
    if (logits.getShape().dimension() != 3
        || !logits.getShape().slice(0, 2).equals(targets.getShape())
        || !targets.getShape().equals(weights.getShape())) {
      throw new IllegalArgumentException(
          "logits "
              + logits.getShape()
              + ", targets "
              + targets.getShape()
              + " and weights "
              + weights.getShape()
              + " must be [B, T, V], [B, T], [B, T]");
    }
    NDArray logProbs = logits.logSoftmax(-1); // [B, T, V]
    NDArray picked =
        logProbs.gather(targets.toType(DataType.INT64, false).expandDims(-1), -1); // [B, T, 1]
    return picked.squeeze(-1).mul(weights).sum().neg(); // []
  }

  /**
   * Classification loss {@code -sum_b log softmax(logits[b])[labels[b]]}.
   *
   * @param logits {@code [B, C]}
   * @param labels {@code [B]} integer classes in {@code [0, C)}
   * @return a scalar on {@code logits}' manager
   */
  public static NDArray classSum(NDArray logits, NDArray labels) {
    if (logits.getShape().dimension() != 2
        || labels.getShape().dimension() != 1
        || logits.getShape().get(0) != labels.getShape().get(0)) {
      throw new IllegalArgumentException(
          "logits "
              + logits.getShape()
              + " and labels "
              + labels.getShape()
              + " must be [B, C], [B]");
    }
    NDArray logProbs = logits.logSoftmax(-1); // [B, C]
    NDArray picked = logProbs.gather(labels.toType(DataType.INT64, false).expandDims(-1), -1);
    return picked.sum().neg(); // []
  }
}
