/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * PLoRA gradients from DJL autograd against central finite differences, for A, B, P of two layers
 * and the user table E, on the loss {@code L = sum(logits * W)} (fixed random W) of a batch whose
 * rows belong to two known users and one unknown user (zero vector), through the head and mean
 * pooling. Tolerances as in {@code LoraGradientTest}: float32 evaluations, a coordinate passes if
 * autograd agrees with the difference at eps 1e-2 or 1e-3 within {@code 1e-2 |g| + 2e-3} and the
 * two differences agree; coordinates are each tensor's largest gradients plus random ones.
 */
class PLoraGradientTest {
  static final double REL = 1e-2;
  static final double ABS = 2e-3;

  @Test
  void autogradMatchesFiniteDifferencesForABPAndE() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        ClassificationHead head = PLoraFixtures.head(m);
        PLoraModel plora = PLoraModel.create(bert, PLoraFixtures.config(0, 0), 1, m)) {
      PLoraFixtures.randomize(plora, 5); // B = 0 would make A and P gradients zero
      SplittableRandom r = new SplittableRandom(8);
      plora.users().put("alice", PLoraFixtures.uniform(r, PLoraFixtures.USER_DIM));
      plora.users().put("bob", PLoraFixtures.uniform(r, PLoraFixtures.USER_DIM));
      plora.setTrainable(true, true);
      List<Example> examples = PLoraFixtures.examples(4, 21);
      Map<Example, String> userOf = new IdentityHashMap<>();
      userOf.put(examples.get(0), "alice");
      userOf.put(examples.get(1), "bob");
      userOf.put(examples.get(2), "alice");
      userOf.put(examples.get(3), "carol"); // unknown: no user
      PLoraObjective objective =
          PLoraFixtures.objective(bert, head, plora, PLoraObjective.fromTable(plora, userOf));
      Batch batch = Batch.of(examples, 0);
      int n = batch.size() * PLoraFixtures.CLASSES;
      float[] w = PLoraFixtures.uniform(r, n);

      try (NDManager step = m.newSubManager();
          GradientCollector gc = TensorRuntime.engine().newGradientCollector()) {
        NDArray logits = objective.logits(batch, step);
        gc.backward(logits.mul(step.create(w, logits.getShape())).sum());
      }
      Map<String, NDArray> params = plora.trainableParameters();
      List<String> keys = new ArrayList<>();
      String l0 = "encoder.layer.0.attention.self.query";
      String l1 = "encoder.layer.1.attention.self.value";
      keys.add("base_model.model." + l0 + ".lora_A.weight");
      keys.add("base_model.model." + l1 + ".lora_B.weight");
      keys.add(PLoraFiles.loraP(l0));
      keys.add(PLoraFiles.loraP(l1));
      keys.add(PLoraModel.TABLE_KEY);
      int checked = 0;
      for (String key : keys) {
        NDArray p = params.get(key);
        assertThat(p).as(key).isNotNull();
        float[] g = p.getGradient().toFloatArray();
        assertThat(maxAbs(g)).as(key + " gradient").isGreaterThan(1e-3);
        long cols = p.getShape().get(1);
        for (int flat : coordinates(g, r)) {
          long[] at = {flat / cols, flat % cols};
          double fd2 = centralDifference(objective, batch, m, w, p, at, 1e-2);
          double fd3 = centralDifference(objective, batch, m, w, p, at, 1e-3);
          double err = Math.min(Math.abs(g[flat] - fd2), Math.abs(g[flat] - fd3));
          assertThat(err)
              .as("%s[%d, %d]: autograd %.6f, fd %.6f / %.6f", key, at[0], at[1], g[flat], fd2, fd3)
              .isLessThanOrEqualTo(REL * Math.abs(g[flat]) + ABS);
          assertThat(Math.abs(fd2 - fd3)).isLessThanOrEqualTo(REL * Math.abs(g[flat]) + 2 * ABS);
          checked++;
        }
      }
      assertThat(checked).isEqualTo(keys.size() * 5);
    }
  }

  static double loss(PLoraObjective objective, Batch batch, NDManager m, float[] w) {
    float[] logits;
    try (NDManager tmp = m.newSubManager()) {
      logits = objective.logits(batch, tmp).toFloatArray();
    }
    double s = 0;
    for (int i = 0; i < logits.length; i++) {
      s += (double) logits[i] * w[i];
    }
    return s;
  }

  static double centralDifference(
      PLoraObjective o, Batch batch, NDManager m, float[] w, NDArray p, long[] at, double eps) {
    NDIndex idx = new NDIndex(at[0], at[1]);
    float x = p.get(idx).getFloat();
    p.set(idx, (float) (x + eps));
    double plus = loss(o, batch, m, w);
    p.set(idx, (float) (x - eps));
    double minus = loss(o, batch, m, w);
    p.set(idx, x);
    return (plus - minus) / (2 * eps);
  }

  /** The 3 largest |g| plus 2 random coordinates. */
  static List<Integer> coordinates(float[] g, SplittableRandom r) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < g.length; i++) {
      idx.add(i);
    }
    idx.sort(Comparator.comparingDouble(i -> -Math.abs(g[i])));
    List<Integer> out = new ArrayList<>(idx.subList(0, 3));
    out.add(r.nextInt(g.length));
    out.add(r.nextInt(g.length));
    return out;
  }

  static double maxAbs(float[] a) {
    double d = 0;
    for (float v : a) {
      d = Math.max(d, Math.abs(v));
    }
    return d;
  }
}
