/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.Pooling;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Personalized dropout zeroes whole user vectors, unscaled, at the configured rate: a binomial test
 * on many samples (the count of zeroed rows must lie within 4.5 standard deviations of {@code n p};
 * a mask at another rate, per element or rescaled fails it), and through the objective.
 */
class PersonalizedDropoutTest {
  @Test
  void masksWholeVectorsAtTheConfiguredRateWithoutRescaling() {
    for (double rate : new double[] {0.1, 0.3}) {
      PersonalizedDropout d = new PersonalizedDropout(rate, 17);
      int rows = 400;
      int batches = 50;
      int dim = 5;
      long zeroed = 0;
      try (NDManager m = TensorRuntime.newManager()) {
        float[] v = PLoraFixtures.uniform(new SplittableRandom(1), rows * dim);
        for (int i = 0; i < dim * rows; i++) {
          v[i] += v[i] >= 0 ? 0.5f : -0.5f; // no exact zeros in the input
        }
        for (int b = 0; b < batches; b++) {
          try (NDManager tmp = m.newSubManager()) {
            float[] out = d.apply(tmp.create(v, new Shape(rows, dim))).toFloatArray();
            for (int r = 0; r < rows; r++) {
              float[] row = Arrays.copyOfRange(out, r * dim, (r + 1) * dim);
              float[] in = Arrays.copyOfRange(v, r * dim, (r + 1) * dim);
              boolean allZero = true;
              for (float x : row) {
                allZero &= x == 0f;
              }
              if (allZero) {
                zeroed++;
              } else {
                assertThat(row).as("a kept vector is unchanged (no rescaling)").isEqualTo(in);
              }
            }
          }
        }
      }
      long n = (long) rows * batches;
      double mean = n * rate;
      double sd = Math.sqrt(n * rate * (1 - rate));
      System.out.printf(
          "personalized dropout p_rate %.2f: %d of %d vectors zeroed (expected %.0f +- %.0f)%n",
          rate, zeroed, n, mean, sd);
      assertThat(Math.abs(zeroed - mean)).isLessThan(4.5 * sd);
    }
  }

  @Test
  void rateZeroIsTheIdentityAndMasksAreSeeded() {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray v = m.ones(new Shape(4, 3));
      assertThat(new PersonalizedDropout(0, 1).apply(v)).isSameAs(v);
    }
    PersonalizedDropout a = new PersonalizedDropout(0.5, 3);
    PersonalizedDropout b = new PersonalizedDropout(0.5, 3);
    float[] first = a.nextKeepMask(64);
    assertThat(b.nextKeepMask(64)).isEqualTo(first);
    assertThat(a.nextKeepMask(64)).isNotEqualTo(first);
    a.reseed(3);
    assertThat(a.nextKeepMask(64)).isEqualTo(first);
  }

  @Test
  void trainingWithPRateOneHalfDropsUsersOfAboutHalfTheSamples() throws Exception {
    // Through the objective: with p_rate 0.5 and dropouts off, a training loss per sample equals
    // either its loss with its user or its loss without one; about half are without.
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        ClassificationHead head = PLoraFixtures.head(m);
        PLoraModel plora = PLoraModel.create(bert, PLoraFixtures.config(0, 0.5), 1, m)) {
      PLoraFixtures.randomize(plora, 5);
      List<Example> examples = PLoraFixtures.examples(1, 4);
      float[] u = PLoraFixtures.uniform(new SplittableRandom(2), PLoraFixtures.USER_DIM);
      int without = 0;
      int trials = 200;
      try (NDManager tmp = m.newSubManager()) {
        NDArray vec = tmp.create(u);
        PLoraObjective o =
            new PLoraObjective(
                (ids, mask) -> bert.forward(ids, mask, null),
                Pooling.MEAN,
                head,
                plora,
                PLoraObjective.single(vec),
                true);
        PLoraObjective generic =
            new PLoraObjective(
                (ids, mask) -> bert.forward(ids, mask, null),
                Pooling.MEAN,
                head,
                plora,
                PLoraObjective.none(),
                true);
        Batch batch = Batch.of(examples, 0);
        float withUser = o.lossSum(batch, tmp).getFloat();
        float none = generic.lossSum(batch, tmp).getFloat();
        assertThat(withUser).isNotEqualTo(none);
        plora.train(true);
        for (int i = 0; i < trials; i++) {
          try (NDManager s = tmp.newSubManager()) {
            float l = o.lossSum(batch, s).getFloat();
            assertThat(l == withUser || l == none).as("loss %s", l).isTrue();
            without += l == none ? 1 : 0;
          }
        }
      }
      double sd = Math.sqrt(trials * 0.25);
      assertThat(Math.abs(without - trials * 0.5)).isLessThan(4.5 * sd);
    }
  }
}
