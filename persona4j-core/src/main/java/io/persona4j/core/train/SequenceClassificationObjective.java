/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Objects;

/**
 * Sequence classification: encoder, pooling, linear head, cross-entropy over the examples' classes.
 */
public final class SequenceClassificationObjective implements TrainingObjective {
  private final Encoder encoder;
  private final Pooling pooling;
  private final ClassificationHead head;

  public SequenceClassificationObjective(
      Encoder encoder, Pooling pooling, ClassificationHead head) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.pooling = Objects.requireNonNull(pooling, "pooling");
    this.head = Objects.requireNonNull(head, "head");
  }

  /** Class logits {@code [B, C]} of a batch, on {@code m}. */
  public NDArray logits(Batch batch, NDManager m) {
    NDArray mask = batch.attentionMask(m);
    NDArray hidden = encoder.encode(batch.ids(m), mask); // [B, T, H]
    return head.forward(pooling.pool(hidden, mask)); // [B, C]
  }

  @Override
  public NDArray lossSum(Batch batch, NDManager m) {
    NDArray labels = batch.classLabels(m);
    checkClasses(labels);
    return CrossEntropy.classSum(logits(batch, m), labels);
  }

  @Override
  public Evaluation evaluate(Batch batch, NDManager m) {
    NDArray labels = batch.classLabels(m);
    checkClasses(labels);
    return Evaluation.classification(logits(batch, m), labels); // logits [B, C]
  }

  private void checkClasses(NDArray labels) {
    long max = labels.max().getLong();
    if (max >= head.classes()) {
      throw new IllegalArgumentException(
          "class label " + max + " out of range for a head with " + head.classes() + " classes");
    }
  }
}
