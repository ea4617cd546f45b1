/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.StepMetrics;
import io.persona4j.core.train.TrainerConfig;
import io.persona4j.core.train.TrainingContext;
import java.util.Arrays;

/** One-sequence-at-a-time reference computations, without batching, padding or masks tricks. */
final class Naive {
  private Naive() {}

  /**
   * Log-softmax rows {@code [T, V]} of one sequence: hybrid input embeddings when {@code e} has
   * placeholders, a plain causal mask, positions 0..T-1.
   */
  static float[][] logProbs(LlaraFixture f, long[] ids, int[] positions, int[] items) {
    LlamaModel model = f.model;
    try (NDManager m = io.persona4j.core.TensorRuntime.newManager()) {
      int t = ids.length;
      NDArray idArr = m.create(ids, new Shape(1, t));
      NDArray embeds =
          items.length == 0 ? model.embed(idArr) : f.embedder().embed(idArr, positions, items);
      long[] pos = new long[t];
      for (int i = 0; i < t; i++) {
        pos[i] = i;
      }
      boolean[][] valid = new boolean[1][t];
      Arrays.fill(valid[0], true);
      NDArray mask = AttentionMask.causal(valid, 0, t, model.config().attentionWindow(), m);
      NDArray h = model.hidden(embeds, m.create(pos, new Shape(1, t)), mask, null);
      float[] lp = model.lmHead(h).logSoftmax(-1).toFloatArray();
      int v = lp.length / t;
      float[][] rows = new float[t][];
      for (int i = 0; i < t; i++) {
        rows[i] = Arrays.copyOfRange(lp, i * v, (i + 1) * v);
      }
      return rows;
    }
  }

  /** Summed log-probability of {@code ids[from..]} given what precedes each. */
  static double continuation(float[][] logProbs, long[] ids, int from) {
    double s = 0;
    for (int i = from; i < ids.length; i++) {
      s += logProbs[i - 1][(int) ids[i]];
    }
    return s;
  }

  /** A training context at a given step. */
  static final class Context implements TrainingContext {
    long step;
    final long maxSteps;

    Context(long maxSteps) {
      this.maxSteps = maxSteps;
    }

    @Override
    public long step() {
      return step;
    }

    @Override
    public long maxSteps() {
      return maxSteps;
    }

    @Override
    public TrainerConfig config() {
      return null;
    }

    @Override
    public void requestStop(String reason) {}

    StepMetrics metrics() {
      return new StepMetrics(step, 0, 0, 0, 0, 0, 0, 0);
    }
  }
}
