/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Set;

/**
 * What a training run minimizes: a model's forward pass and loss on a batch.
 *
 * <p>The loss is a sum over the batch's {@link Batch#targetCount() targets}; the trainer divides it
 * by the number of targets of the whole optimizer step (all accumulated micro-batches together), so
 * accumulating micro-batches computes the same mean as one large batch.
 */
public interface TrainingObjective {
  /**
   * The summed loss of {@code batch}, recorded for a backward pass when called under a gradient
   * collector.
   *
   * @param m manager for the inputs and the result; the caller closes it
   * @return a float32 scalar on {@code m}
   */
  NDArray lossSum(Batch batch, NDManager m);

  /**
   * Names of trainable parameters to leave out of the update of the step whose micro-batches were
   * just run (asked once per step, after the last backward pass, before the optimizer): as
   * PyTorch's optimizers skip a parameter whose {@code requires_grad} was switched off for a batch,
   * so that neither its momentum nor its weight decay moves it. LLaRA freezes its projector on
   * text-only batches this way. The default freezes nothing.
   */
  default Set<String> frozenThisStep() {
    return Set.of();
  }

  /**
   * Evaluation of {@code batch} (called without gradient recording). The default reports the loss
   * only.
   */
  default Evaluation evaluate(Batch batch, NDManager m) {
    return new Evaluation(lossSum(batch, m).getFloat(), batch.targetCount(), -1);
  }

  /**
   * Sums over a batch or a whole evaluation set.
   *
   * @param lossSum summed loss
   * @param targets number of targets it is summed over
   * @param correct correctly predicted targets, or -1 where accuracy does not apply
   */
  record Evaluation(double lossSum, long targets, long correct) {
    /**
     * The evaluation of a classification batch: summed cross-entropy of {@code logits [B, C]}
     * against {@code labels [B]}, B targets, and how many argmax predictions equal the label.
     */
    public static Evaluation classification(NDArray logits, NDArray labels) {
      double loss = CrossEntropy.classSum(logits, labels).getFloat();
      long correct =
          logits
              .argMax(-1)
              .toType(DataType.INT64, false)
              .eq(labels)
              .toType(DataType.INT64, false)
              .sum()
              .getLong();
      return new Evaluation(loss, labels.size(), correct);
    }

    /** Adds another batch's sums. */
    public Evaluation plus(Evaluation o) {
      long c = correct < 0 || o.correct < 0 ? -1 : correct + o.correct;
      return new Evaluation(lossSum + o.lossSum, targets + o.targets, c);
    }

    /** Mean loss per target (NaN without targets). */
    public double meanLoss() {
      return targets == 0 ? Double.NaN : lossSum / targets;
    }

    /** Fraction correct, or NaN where accuracy does not apply. */
    public double accuracy() {
      return correct < 0 || targets == 0 ? Double.NaN : (double) correct / targets;
    }
  }
}
