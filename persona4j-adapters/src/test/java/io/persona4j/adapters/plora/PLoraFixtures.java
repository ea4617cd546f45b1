/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.Pooling;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A tiny random BERT, small PLoRA configs and helpers shared by the PLoRA tests. */
final class PLoraFixtures {
  static final BertConfig CONFIG =
      new BertConfig("bert", 120, 32, 2, 4, 64, "gelu", 64, 2, 1e-12, 0, "absolute", null, null);
  static final int USER_DIM = 6;
  static final int CLASSES = 3;

  private PLoraFixtures() {}

  static BertModel bert(NDManager m) throws IOException {
    return BertModel.load(
        CONFIG, WeightSource.ofFloats("random", RandomWeights.bert(CONFIG, 4, 0.2f)), m);
  }

  /** r 4, alpha 8, d_u 6, the given dropout and personalized dropout, MI off. */
  static PLoraConfig config(double dropout, double pRate) {
    return PLoraConfig.builder()
        .optR(4)
        .optAlpha(8)
        .optDropout(dropout)
        .optUserDim(USER_DIM)
        .optPRate(pRate)
        .build();
  }

  static ClassificationHead head(NDManager m) {
    return ClassificationHead.create(CONFIG.hiddenSize(), CLASSES, 0.5f, 3, m);
  }

  /**
   * Gives A, B and P of every layer values uniform on ±0.3 (B != 0: a far-from-identity adapter).
   */
  static void randomize(PLoraModel plora, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (PLoraLinear l : plora.layers().values()) {
      for (NDArray t : new NDArray[] {l.a(), l.b(), l.p()}) {
        try (NDManager tmp = t.getManager().newSubManager()) {
          t.set(new NDIndex("..."), uniform(tmp, r, t.getShape()));
        }
      }
    }
  }

  static NDArray uniform(NDManager m, SplittableRandom r, Shape shape) {
    return m.create(uniform(r, Math.toIntExact(shape.size())), shape);
  }

  static float[] uniform(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (0.6 * r.nextDouble() - 0.3);
    }
    return v;
  }

  /** {@code n} classification examples of 2..7 random tokens (ids 3..119), labels 0..2. */
  static List<Example> examples(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long[] ids = new long[2 + r.nextInt(6)];
      ids[0] = 2;
      for (int j = 1; j < ids.length; j++) {
        ids[j] = 3 + r.nextInt(CONFIG.vocabSize() - 3);
      }
      out.add(Example.classification(ids, r.nextInt(CLASSES)));
    }
    return out;
  }

  /** Logits {@code [B * C]} of a batch with the users of {@code objective}. */
  static float[] logits(PLoraObjective objective, List<Example> examples, NDManager m) {
    try (NDManager tmp = m.newSubManager()) {
      return objective.logits(Batch.of(examples, 0), tmp).toFloatArray();
    }
  }

  /** Hidden states {@code [B * T * H]} of a padded batch, conditioned on {@code vectors}. */
  static float[] hidden(
      BertModel bert, PLoraModel plora, Batch batch, float[] vectors, NDManager m) {
    try (NDManager tmp = m.newSubManager()) {
      NDArray v = vectors == null ? null : tmp.create(vectors, new Shape(batch.size(), USER_DIM));
      try (PLoraModel.Scope ignored = plora == null ? null : plora.condition(v)) {
        return bert.forward(batch.ids(tmp), batch.attentionMask(tmp), null).toFloatArray();
      }
    }
  }

  static PLoraObjective objective(
      BertModel bert, ClassificationHead head, PLoraModel plora, PLoraObjective.Users users) {
    return new PLoraObjective(
        (ids, mask) -> bert.forward(ids, mask, null), Pooling.MEAN, head, plora, users, true);
  }
}
