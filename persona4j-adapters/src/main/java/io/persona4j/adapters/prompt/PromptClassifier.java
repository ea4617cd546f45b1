/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.CrossEntropy;
import io.persona4j.core.train.Pooling;
import io.persona4j.core.train.TrainingObjective;
import java.util.Objects;

/**
 * Prompt-tuned sequence classification on a frozen BERT encoder: word embeddings of the batch, the
 * soft prompt {@code P_G + P_L} prepended, the encoder run from embeddings, pooling over the prompt
 * and the real tokens, a linear head, cross-entropy. Only what is passed to the trainer as
 * parameters (the prompt parts and the head) receives updates; the encoder's weights never require
 * gradients.
 */
public final class PromptClassifier implements TrainingObjective {
  private final BertModel encoder;
  private final SoftPrompt prompt;
  private final Pooling pooling;
  private final ClassificationHead head;

  public PromptClassifier(
      BertModel encoder, SoftPrompt prompt, Pooling pooling, ClassificationHead head) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.pooling = Objects.requireNonNull(pooling, "pooling");
    this.head = Objects.requireNonNull(head, "head");
    if (prompt.config().tokenDim() != encoder.config().hiddenSize()) {
      throw new IllegalArgumentException(
          "prompt tokenDim "
              + prompt.config().tokenDim()
              + " != encoder hidden size "
              + encoder.config().hiddenSize());
    }
  }

  public SoftPrompt prompt() {
    return prompt;
  }

  public ClassificationHead head() {
    return head;
  }

  /** Pooled features {@code [B, H]} of a batch with the prompt prepended, on {@code m}. */
  public NDArray features(Batch batch, NDManager m) {
    NDArray ids = batch.ids(m);
    NDArray mask = batch.attentionMask(m);
    SoftPrompt.Prepended p = prompt.prepend(encoder.wordEmbeddings(ids), mask);
    NDArray hidden = encoder.forwardEmbeddings(p.embeddings(), p.attentionMask(), null);
    return pooling.pool(hidden, p.attentionMask()); // [B,H]
  }

  /** Class logits {@code [B, C]} of a batch, on {@code m}. */
  public NDArray logits(Batch batch, NDManager m) {
    return head.forward(features(batch, m));
  }

  @Override
  public NDArray lossSum(Batch batch, NDManager m) {
    return CrossEntropy.classSum(logits(batch, m), batch.classLabels(m));
  }

  @Override
  public Evaluation evaluate(Batch batch, NDManager m) {
    return Evaluation.classification(logits(batch, m), batch.classLabels(m));
  }
}
