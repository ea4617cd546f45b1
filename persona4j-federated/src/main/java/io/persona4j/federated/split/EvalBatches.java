/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import ai.djl.ndarray.NDArray;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.Example;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.List;
import java.util.Map;

/** A split client's evaluation examples in fixed batches, and the reply of one evaluated batch. */
final class EvalBatches {
  private final List<Example> examples;
  private final int batchSize;
  private final long padId;

  EvalBatches(List<Example> examples, int batchSize, long padId) {
    if (examples == null || examples.isEmpty()) {
      throw new IllegalArgumentException("evalData must hold at least one example");
    }
    this.examples = List.copyOf(examples);
    this.batchSize = batchSize;
    this.padId = padId;
  }

  /** Number of batches (the last may be smaller). */
  int count() {
    return (examples.size() + batchSize - 1) / batchSize;
  }

  /** Batch {@code i} in list order. */
  Batch batch(int i) {
    if (i < 0 || i >= count()) {
      throw new IllegalArgumentException(
          "evaluation batch " + i + " does not exist (" + count() + " batches)");
    }
    int from = i * batchSize;
    return Batch.of(examples.subList(from, Math.min(examples.size(), from + batchSize)), padId);
  }

  /** The reply to an evaluation stage: summed loss, target count and batch count as metrics. */
  Reply reply(Instruction in, NDArray lossSum, Batch batch) {
    return Reply.ok(
        in,
        ParameterSet.empty(),
        batch.size(),
        Map.of(
            SplitProtocol.LOSS_SUM,
            (double) lossSum.getFloat(),
            SplitProtocol.TARGETS,
            (double) batch.targetCount(),
            SplitProtocol.EVAL_BATCHES,
            (double) count()));
  }
}
