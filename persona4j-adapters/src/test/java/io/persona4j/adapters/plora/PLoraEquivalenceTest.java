/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Batch;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * PLoRA's invariants on a tiny random BERT: no user (or a zero user vector) is task LoRA with the
 * same A and B, bit for bit; B = 0 is the base model; merging folds B A only, and the user term is
 * then the per-user bias {@code s B P p_u}; unmerge restores the base weights exactly.
 */
class PLoraEquivalenceTest {
  static final Batch BATCH = Batch.of(PLoraFixtures.examples(3, 11), 0);

  @Test
  void noUserAndZeroUserAreTaskLoraWithTheSameABBitForBit() throws Exception {
    for (boolean training : new boolean[] {false, true}) {
      try (NDManager m = TensorRuntime.newManager();
          BertModel a = PLoraFixtures.bert(m);
          BertModel b = PLoraFixtures.bert(m);
          PLoraModel plora = PLoraModel.create(a, PLoraFixtures.config(0, 0), 1, m);
          LoraModel lora = LoraModel.of(b, m)) {
        PLoraFixtures.randomize(plora, 5);
        // dropout 0 in training: the same operations as inference, through the training branches
        lora.add(
            "task",
            LoraConfig.builder().optR(4).optAlpha(8).optTargets("query", "value").build(),
            9);
        Map<String, LoraUnit> units = lora.units("task");
        assertThat(units.keySet()).isEqualTo(plora.layers().keySet());
        for (Map.Entry<String, LoraUnit> e : units.entrySet()) {
          PLoraLinear l = plora.layers().get(e.getKey());
          e.getValue().assign(l.a(), l.b());
          assertThat(e.getValue().scale()).isEqualTo(l.scale());
        }
        plora.train(training);
        lora.train(training);
        float[] task = PLoraFixtures.hidden(b, null, BATCH, null, m);
        float[] noUser = PLoraFixtures.hidden(a, plora, BATCH, null, m);
        float[] zeroUser =
            PLoraFixtures.hidden(
                a, plora, BATCH, new float[BATCH.size() * PLoraFixtures.USER_DIM], m);
        assertThat(Arrays.equals(noUser, task))
            .as("no user == task LoRA (training %s)", training)
            .isTrue();
        assertThat(Arrays.equals(zeroUser, task)).as("zero user == task LoRA").isTrue();

        float[] users =
            PLoraFixtures.uniform(new SplittableRandom(3), BATCH.size() * PLoraFixtures.USER_DIM);
        float[] personal = PLoraFixtures.hidden(a, plora, BATCH, users, m);
        assertThat(maxAbsDiff(personal, task)).as("a user changes the output").isGreaterThan(1e-3);
      }
    }
  }

  @Test
  void zeroBIsTheBaseModelWhateverTheUser() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m)) {
      float[] base = PLoraFixtures.hidden(bert, null, BATCH, null, m);
      try (PLoraModel plora = PLoraModel.create(bert, PLoraFixtures.config(0.1, 0), 1, m)) {
        // new adapter: A and P random, B = 0
        float[] users =
            PLoraFixtures.uniform(new SplittableRandom(3), BATCH.size() * PLoraFixtures.USER_DIM);
        assertThat(Arrays.equals(PLoraFixtures.hidden(bert, plora, BATCH, users, m), base))
            .isTrue();
        assertThat(Arrays.equals(PLoraFixtures.hidden(bert, plora, BATCH, null, m), base)).isTrue();
        PLoraFixtures.randomize(plora, 5);
        for (PLoraLinear l : plora.layers().values()) {
          l.b().set(new NDIndex("..."), 0f);
        }
        plora.train(true); // dropouts on: still zero through B = 0
        assertThat(Arrays.equals(PLoraFixtures.hidden(bert, plora, BATCH, users, m), base))
            .isTrue();
      }
      assertThat(PLoraFixtures.hidden(bert, null, BATCH, null, m))
          .isEqualTo(base); // layers restored
    }
  }

  @Test
  void mergeFoldsOnlyBAAndTheUserTermIsAPerUserBias() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        PLoraModel plora = PLoraModel.create(bert, PLoraFixtures.config(0.1, 0.1), 1, m)) {
      PLoraFixtures.randomize(plora, 5);
      Map<String, float[]> baseWeights = new java.util.LinkedHashMap<>();
      plora.layers().forEach((p, l) -> baseWeights.put(p, l.weight().toFloatArray()));
      float[] users =
          PLoraFixtures.uniform(new SplittableRandom(3), BATCH.size() * PLoraFixtures.USER_DIM);
      float[] unmerged = PLoraFixtures.hidden(bert, plora, BATCH, users, m);
      float[] unmergedNone = PLoraFixtures.hidden(bert, plora, BATCH, null, m);

      plora.merge();
      assertThat(plora.isMerged()).isTrue();
      assertThat(maxAbsDiff(PLoraFixtures.hidden(bert, plora, BATCH, users, m), unmerged))
          .isLessThan(1e-5);
      assertThat(maxAbsDiff(PLoraFixtures.hidden(bert, plora, BATCH, null, m), unmergedNone))
          .isLessThan(1e-5);

      // The same through cached per-user biases s B P p_u, one row per batch row.
      int d = PLoraFixtures.USER_DIM;
      java.util.Map<String, float[][]> rows = new java.util.LinkedHashMap<>();
      for (int i = 0; i < BATCH.size(); i++) {
        Map<String, float[]> bias = plora.userBiases(Arrays.copyOfRange(users, i * d, (i + 1) * d));
        for (Map.Entry<String, float[]> e : bias.entrySet()) {
          rows.computeIfAbsent(e.getKey(), k -> new float[BATCH.size()][])[i] = e.getValue();
        }
      }
      try (NDManager tmp = m.newSubManager()) {
        Map<String, NDArray> stacked = new java.util.LinkedHashMap<>();
        rows.forEach((p, r) -> stacked.put(p, tmp.create(r)));
        float[] viaBias;
        try (PLoraModel.Scope ignored = plora.conditionOnBiases(stacked)) {
          viaBias = bert.forward(BATCH.ids(tmp), BATCH.attentionMask(tmp), null).toFloatArray();
        }
        assertThat(maxAbsDiff(viaBias, unmerged)).isLessThan(1e-5);
      }
      plora.train(true);
      assertThatThrownBy(() -> PLoraFixtures.hidden(bert, plora, BATCH, users, m))
          .hasMessageContaining("unmerge before training");
      plora.train(false);
      plora.unmerge();
      plora
          .layers()
          .forEach((p, l) -> assertThat(l.weight().toFloatArray()).isEqualTo(baseWeights.get(p)));
      assertThat(PLoraFixtures.hidden(bert, plora, BATCH, users, m)).isEqualTo(unmerged);
    }
  }

  @Test
  void conditioningMustMatchTheBatch() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        PLoraModel plora = PLoraModel.create(bert, PLoraFixtures.config(0, 0), 1, m)) {
      try (NDManager tmp = m.newSubManager();
          PLoraModel.Scope ignored =
              plora.condition(tmp.zeros(new ai.djl.ndarray.types.Shape(1, 6)))) {
        assertThatThrownBy(() -> bert.forward(BATCH.ids(tmp), BATCH.attentionMask(tmp), null))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("user conditioning for 1 rows, but the input has 3");
      }
      assertThatThrownBy(() -> plora.condition(m.zeros(new ai.djl.ndarray.types.Shape(3, 5))))
          .hasMessageContaining("user vectors must be [B, 6]");
    }
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs((double) a[i] - b[i]));
    }
    return d;
  }
}
