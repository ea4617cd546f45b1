/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The mutual-information term against a hand computation: with dropouts off, {@code lossSum = sum
 * CE(z) + B mim (KL(softmax(z/4) || softmax(z_generic/4)) + MSE)}, where z are the logits with the
 * users, z_generic those with every user masked, and the MSE between each layer's LoRA output with
 * and without the user is the mean square of the per-user bias {@code s B P p_u} over all layers,
 * rows and (padded) positions. Off ({@code mim <= 0}), the loss is the cross-entropy alone.
 */
class PLoraMutualInformationTest {
  @Test
  void miLossEqualsCrossEntropyPlusWeightedKlAndMse() throws Exception {
    double mim = 0.7;
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        ClassificationHead head = PLoraFixtures.head(m);
        PLoraModel plora =
            PLoraModel.create(
                bert, PLoraFixtures.config(0, 0).toBuilder().optMim(mim).build(), 1, m)) {
      PLoraFixtures.randomize(plora, 5);
      SplittableRandom r = new SplittableRandom(8);
      plora.users().put("alice", PLoraFixtures.uniform(r, PLoraFixtures.USER_DIM));
      plora.users().put("bob", PLoraFixtures.uniform(r, PLoraFixtures.USER_DIM));
      List<Example> examples = PLoraFixtures.examples(3, 21);
      Map<Example, String> userOf = new IdentityHashMap<>();
      userOf.put(examples.get(0), "alice");
      userOf.put(examples.get(1), "bob");
      userOf.put(examples.get(2), "bob");
      String[] users = {"alice", "bob", "bob"};
      PLoraObjective objective =
          PLoraFixtures.objective(bert, head, plora, PLoraObjective.fromTable(plora, userOf));
      PLoraObjective generic = PLoraFixtures.objective(bert, head, plora, PLoraObjective.none());
      Batch batch = Batch.of(examples, 0);
      int b = batch.size();
      int c = PLoraFixtures.CLASSES;
      float[] z = PLoraFixtures.logits(objective, examples, m);
      float[] zg = PLoraFixtures.logits(generic, examples, m);
      double ce = 0;
      double kl = 0;
      for (int i = 0; i < b; i++) {
        double[] lp = logSoftmax(Arrays.copyOfRange(z, i * c, (i + 1) * c), 1);
        double[] lq = logSoftmax(Arrays.copyOfRange(zg, i * c, (i + 1) * c), 4);
        double[] lp4 = logSoftmax(Arrays.copyOfRange(z, i * c, (i + 1) * c), 4);
        ce -= lp[examples.get(i).classLabel()];
        for (int k = 0; k < c; k++) {
          kl += Math.exp(lp4[k]) * (lp4[k] - lq[k]);
        }
      }
      double sq = 0;
      long count = 0;
      for (String path : plora.layers().keySet()) {
        for (int i = 0; i < b; i++) {
          float[] bias = plora.userBiases(plora.users().vector(users[i])).get(path);
          for (float x : bias) {
            sq += (double) x * x * batch.length(); // the same bias on every (padded) position
          }
          count += (long) bias.length * batch.length();
        }
      }
      double expected = ce + b * mim * (kl / b + sq / count); // kl: summed over the batch
      double offLoss = ce;

      plora.train(true); // dropouts are 0: training mode computes the same values
      plora.setTrainable(true, true);
      double got;
      try (NDManager step = m.newSubManager();
          GradientCollector gc = TensorRuntime.engine().newGradientCollector()) {
        NDArray loss = objective.lossSum(batch, step);
        got = loss.getFloat();
        gc.backward(loss);
      }
      assertThat(got).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4 * expected));
      assertThat(kl).isGreaterThan(1e-6);
      assertThat(sq).isGreaterThan(1e-6);
      float[] tableGrad = plora.users().table().getGradient().toFloatArray();
      assertThat(Arrays.stream(toDouble(tableGrad)).map(Math::abs).max().orElse(0))
          .isGreaterThan(0);

      try (PLoraModel off =
          PLoraModel.create(PLoraFixtures.bert(m), PLoraFixtures.config(0, 0), 1, m)) {
        assertThat(off.config().mimEnabled()).isFalse();
      }
      try (NDManager step = m.newSubManager()) {
        PLoraObjective noMi =
            new PLoraObjective(
                (ids, mask) -> bert.forward(ids, mask, null),
                io.persona4j.core.train.Pooling.MEAN,
                head,
                plora,
                PLoraObjective.fromTable(plora, userOf),
                false); // personalization (and with it MI) off, as in few-shot fitting
        assertThat((double) noMi.lossSum(batch, step).getFloat())
            .isCloseTo(offLoss, org.assertj.core.data.Offset.offset(1e-4 * offLoss));
      }
    }
  }

  static double[] logSoftmax(float[] z, double t) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v / t);
    }
    double s = 0;
    for (float v : z) {
      s += Math.exp(v / t - max);
    }
    double[] out = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      out[i] = z[i] / t - max - Math.log(s);
    }
    return out;
  }

  static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }
}
