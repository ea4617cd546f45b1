/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.plora.UserTable;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.CrossEntropy;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.TrainingObjective;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mean-pooled outputs of the frozen encoder, one per distinct text, computed once: the inputs of
 * the frozen-encoder methods (head only, user-id embedding), which then train in milliseconds a
 * step.
 */
final class FrozenFeatures {
  private final Map<String, float[]> byText = new HashMap<>();
  private final int hidden;

  private FrozenFeatures(int hidden) {
    this.hidden = hidden;
  }

  /** Features of every distinct text in {@code texts} (ids from {@code ids}). */
  static FrozenFeatures compute(BertModel bert, Map<String, long[]> ids, int batchSize) {
    FrozenFeatures f = new FrozenFeatures(bert.config().hiddenSize());
    List<String> texts = new ArrayList<>(ids.keySet());
    List<long[]> seqs = new ArrayList<>();
    texts.forEach(t -> seqs.add(ids.get(t)));
    float[][] pooled = bert.embedIds(seqs, batchSize, false);
    for (int i = 0; i < texts.size(); i++) {
      f.byText.put(texts.get(i), pooled[i]);
    }
    return f;
  }

  int hidden() {
    return hidden;
  }

  float[] of(String text) {
    float[] v = byText.get(text);
    if (v == null) {
      throw new IllegalStateException("no frozen features for text '" + text + "'");
    }
    return v;
  }

  /**
   * A linear head on the cached features, optionally concatenated with a user's embedding: from
   * {@code table} by each example's user (unknown users: zeros), or one vector for every row.
   */
  static final class Objective implements TrainingObjective {
    private final FrozenFeatures features;
    private final Map<Example, String> textOf;
    private final ClassificationHead head;
    private final UserTable table;
    private final Map<Example, String> userOf;
    private final NDArray single;

    Objective(
        FrozenFeatures features,
        Map<Example, String> textOf,
        ClassificationHead head,
        UserTable table,
        Map<Example, String> userOf,
        NDArray single) {
      this.features = features;
      this.textOf = new IdentityHashMap<>(textOf);
      this.head = head;
      this.table = table;
      this.userOf = userOf == null ? null : new IdentityHashMap<>(userOf);
      this.single = single;
    }

    NDArray logits(Batch batch, NDManager m) {
      List<Example> ex = batch.examples();
      float[] flat = new float[ex.size() * features.hidden];
      for (int i = 0; i < ex.size(); i++) {
        System.arraycopy(
            features.of(textOf.get(ex.get(i))), 0, flat, i * features.hidden, features.hidden);
      }
      NDArray x = m.create(flat, new Shape(ex.size(), features.hidden)); // [B, H]
      if (single != null) {
        long d = single.getShape().get(single.getShape().dimension() - 1);
        NDArray u = single.reshape(1, d).broadcast(new Shape(ex.size(), d)); // [B, d]
        x = x.concat(u, 1); // [B, H + d]
      } else if (table != null) {
        int[] rows = new int[ex.size()];
        for (int i = 0; i < rows.length; i++) {
          rows[i] = table.row(userOf.get(ex.get(i))).orElse(-1);
        }
        x = x.concat(table.gather(rows, m), 1); // [B, H + d]
      }
      return head.forward(x); // [B, C]
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
}
