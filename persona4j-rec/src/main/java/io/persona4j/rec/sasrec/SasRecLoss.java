/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * SASRec's training objective: at every non-padded position t with hidden state h_t, binary
 * cross-entropy with logits on {@code s+ = h_t . e(pos_t)} (label 1) and {@code s- = h_t .
 * e(neg_t)} (label 0), summed over the two and averaged over the non-padded positions of the batch:
 *
 * <pre>
 * loss = sum_t mask_t (softplus(-s+_t) + softplus(s-_t)) / sum_t mask_t  +  l2 * sum(item_emb^2)
 * </pre>
 *
 * Output embeddings are the input item embeddings (unscaled), as in the reference code.
 */
final class SasRecLoss {
  private SasRecLoss() {}

  /**
   * The scalar loss on {@code m}.
   *
   * @param inputs left-padded inputs
   * @param positives next items aligned with {@code inputs} ({@code [rows * width]}, 0 on padding)
   * @param negatives sampled negatives, aligned likewise (0 on padding)
   * @param dropout training dropout, or null
   */
  static NDArray loss(
      SasRecConfig config,
      SasRecWeights w,
      PaddedBatch inputs,
      long[] positives,
      long[] negatives,
      NDManager m,
      SeededDropout dropout) {
    DataType dt = w.dtype();
    Shape shape = new Shape(inputs.rows(), inputs.width());
    NDArray h = new SasRecNetwork(config, w).forward(inputs, m, dropout); // [B,W,d]
    NDArray table = w.get("item_emb.weight");
    NDArray ePos = SasRecNetwork.lookup(m.create(positives, shape), table); // [B,W,d]
    NDArray eNeg = SasRecNetwork.lookup(m.create(negatives, shape), table); // [B,W,d]
    NDArray sPos = h.mul(ePos).sum(new int[] {2}); // [B,W]
    NDArray sNeg = h.mul(eNeg).sum(new int[] {2}); // [B,W]
    NDArray perPosition = Activation.softPlus(sPos.neg()).add(Activation.softPlus(sNeg)); // [B,W]
    float[] maskValues = new float[positives.length];
    int count = 0;
    for (int i = 0; i < positives.length; i++) {
      if (positives[i] != 0) {
        maskValues[i] = 1f;
        count++;
      }
    }
    if (count == 0) {
      throw new IllegalArgumentException("batch has no target position");
    }
    NDArray mask = SasRecNetwork.typed(m.create(maskValues, shape), dt);
    NDArray loss = perPosition.mul(mask).sum().div(SasRecNetwork.scalar(m, count, dt)); // scalar
    if (config.l2() > 0) {
      loss = loss.add(table.mul(table).sum().mul(SasRecNetwork.scalar(m, config.l2(), dt)));
    }
    return loss;
  }
}
