/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.NativeMemoryChurn;
import io.persona4j.core.train.TrainableParameters;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Autograd gradients of the training loss against central finite differences, in double precision,
 * with dropout on (the same masks for every evaluation) and an L2 term.
 */
class SasRecGradientTest {
  private static final String[] CHECKED = {
    "item_emb.weight",
    "pos_emb.weight",
    "blocks.0.attn_norm.weight",
    "blocks.0.attn_norm.bias",
    "blocks.0.attn.q.weight",
    "blocks.0.attn.k.weight",
    "blocks.0.attn.v.bias",
    "blocks.0.attn.out.weight",
    "blocks.0.ffn_norm.weight",
    "blocks.0.ffn.fc1.weight",
    "blocks.0.ffn.fc2.bias",
    "blocks.1.attn.q.bias",
    "blocks.1.ffn.fc2.weight",
    "last_norm.weight",
    "last_norm.bias",
  };

  @ParameterizedTest(name = "normFirst={0}")
  @ValueSource(booleans = {false, true})
  void gradientsMatchFiniteDifferences(boolean normFirst) {
    SasRecConfig config =
        SasRecConfig.builder()
            .setNumItems(12)
            .optMaxLen(5)
            .optHiddenSize(8)
            .optNumBlocks(2)
            .optNumHeads(2)
            .optDropout(0.3)
            .optNormFirst(normFirst)
            .optL2(0.01)
            .optSeed(5)
            .build();
    // histories of different lengths: padding, a full-width row and positions to mask
    TrainingWindows data =
        new TrainingWindows(new int[][] {{1, 5, 7, 2, 9, 3}, {4, 8}, {11, 6, 10}}, config);
    int[] order = {0, 1, 2};
    TrainingWindows.Batch batch = data.batch(order, 0, 3, new SplittableRandom(3));
    assertThat(batch.inputs().width()).isEqualTo(5);
    try (SasRecModel model = SasRecModel.create(config, DataType.FLOAT64)) {
      SasRecWeights w = model.weights();
      w.asMap().values().forEach(a -> a.setRequiresGradient(true));
      SeededDropout dropout = new SeededDropout(config.dropout(), 99);
      Map<String, double[]> grads = new java.util.HashMap<>();
      try (NDManager m = w.manager().newSubManager();
          GradientCollector c = TensorRuntime.engine().newGradientCollector()) {
        dropout.restart(99);
        NDArray loss =
            SasRecLoss.loss(
                config, w, batch.inputs(), batch.positives(), batch.negatives(), m, dropout);
        c.backward(loss);
        for (String name : CHECKED) {
          grads.put(name, w.get(name).getGradient().toDoubleArray());
        }
      }
      SplittableRandom pick = new SplittableRandom(17);
      int checked = 0;
      int sizeable = 0;
      for (String name : CHECKED) {
        double[] g = grads.get(name);
        for (int k = 0; k < 4; k++) {
          int index =
              name.equals("item_emb.weight") ? itemIndex(batch, pick) : pick.nextInt(g.length);
          double numeric = finiteDifference(config, w, batch, dropout, name, index);
          assertThat(g[index])
              .as("%s[%d]", name, index)
              .isCloseTo(
                  numeric, org.assertj.core.data.Offset.offset(1e-7 + 1e-5 * Math.abs(numeric)));
          checked++;
          sizeable += Math.abs(numeric) > 1e-4 ? 1 : 0;
        }
      }
      assertThat(checked).isEqualTo(CHECKED.length * 4);
      assertThat(sizeable).as("derivatives that are not ~0").isGreaterThan(checked * 3 / 4);
      assertThat(grads.get("item_emb.weight"))
          .as("padding row gets no gradient from the loss")
          .startsWith(0, 0, 0, 0, 0, 0, 0, 0);
    }
  }

  /**
   * Gradients stay right when a garbage collection and native-memory churn happen between the
   * forward and the backward pass (no Java-number constant freed under autograd; see core's
   * Autograd).
   */
  @Test
  void gradientsSurviveGarbageCollectionBeforeBackward() {
    SasRecConfig config =
        SasRecConfig.builder()
            .setNumItems(12)
            .optMaxLen(5)
            .optHiddenSize(8)
            .optNumBlocks(2)
            .optNumHeads(2)
            .optL2(0.01)
            .build();
    TrainingWindows data =
        new TrainingWindows(new int[][] {{1, 5, 7, 2, 9, 3}, {4, 8}, {11, 6, 10}}, config);
    TrainingWindows.Batch batch = data.batch(new int[] {0, 1, 2}, 0, 3, new SplittableRandom(3));
    try (SasRecModel model = SasRecModel.create(config)) {
      SasRecWeights w = model.weights();
      TrainableParameters params = TrainableParameters.of(w.asMap());
      Map<String, float[]> quiet = gradients(config, w, params, batch, false);
      Map<String, float[]> churned = gradients(config, w, params, batch, true);
      for (String name : params.names()) {
        assertThat(churned.get(name)).as(name).containsExactly(quiet.get(name));
      }
      assertThat(quiet.get("blocks.1.attn.q.weight")).doesNotContain(Float.NaN);
    }
  }

  private static Map<String, float[]> gradients(
      SasRecConfig config,
      SasRecWeights w,
      TrainableParameters params,
      TrainingWindows.Batch batch,
      boolean churn) {
    params.zeroGradients();
    SeededDropout dropout = new SeededDropout(config.dropout(), 5);
    Map<String, float[]> out = new java.util.LinkedHashMap<>();
    try (NDManager m = w.manager().newSubManager();
        GradientCollector c = TensorRuntime.engine().newGradientCollector()) {
      NDArray loss =
          SasRecLoss.loss(
              config, w, batch.inputs(), batch.positives(), batch.negatives(), m, dropout);
      List<?> junk = churn ? NativeMemoryChurn.run() : List.of();
      c.backward(loss);
      assertThat(junk).hasSize(churn ? 2500 : 0);
      for (String name : params.names()) {
        out.put(name, params.gradient(name, m).toFloatArray());
      }
    }
    return out;
  }

  /** An element of an item-embedding row the batch uses (input, positive or negative). */
  private static int itemIndex(TrainingWindows.Batch b, SplittableRandom r) {
    List<long[]> pools = List.of(b.inputs().ids(), b.positives(), b.negatives());
    long[] pool = pools.get(r.nextInt(3));
    long item;
    do {
      item = pool[r.nextInt(pool.length)];
    } while (item == 0);
    return (int) item * 8 + r.nextInt(8);
  }

  private static double finiteDifference(
      SasRecConfig config,
      SasRecWeights w,
      TrainingWindows.Batch batch,
      SeededDropout dropout,
      String name,
      int index) {
    double h = 1e-6;
    NDArray p = w.get(name);
    double[] original = p.toDoubleArray();
    double[] values = original.clone();
    values[index] = original[index] + h;
    double plus = lossWith(config, w, batch, dropout, p, values);
    values[index] = original[index] - h;
    double minus = lossWith(config, w, batch, dropout, p, values);
    write(p, original);
    return (plus - minus) / (2 * h);
  }

  private static double lossWith(
      SasRecConfig config,
      SasRecWeights w,
      TrainingWindows.Batch batch,
      SeededDropout dropout,
      NDArray p,
      double[] values) {
    write(p, values);
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager m = w.manager().newSubManager()) {
      dropout.restart(99);
      return SasRecLoss.loss(
              config, w, batch.inputs(), batch.positives(), batch.negatives(), m, dropout)
          .getDouble();
    }
  }

  private static void write(NDArray p, double[] values) {
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager m = p.getManager().newSubManager()) {
      p.set(new NDIndex("..."), m.create(values, p.getShape()));
    }
  }
}
