/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Sgd;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.dp.RdpAccountant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DpSgdTest {

  private static float[][] features(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[n][d];
    for (float[] row : x) {
      for (int j = 0; j < d; j++) {
        row[j] = (float) (2 * r.nextDouble() - 1);
      }
    }
    return x;
  }

  private static float[] gradientOf(TrainableParameters p, String name, NDManager m) {
    return p.gradient(name, m).toFloatArray();
  }

  /** Hand-checkable values: w = (0.5, -1, 2), C = 1; two examples clipped, one not. */
  @Test
  void clippedSumEqualsTheAnalyticPerExampleComputation() {
    float[][] x = {{1, 0, 0}, {0, 2, 1}, {1, 1, 1}, {0.1f, 0, 0.1f}};
    int[] y = {0, 3, 1, 0};
    float[] w0 = {0.5f, -1, 2};
    // Residuals r = w.x - y: 0.5, -3, 0.5, 0.25. Gradients r x and their norms:
    // (0.5,0,0) |0.5|; (0,-6,-3) |6.708|; (0.5,0.5,0.5) |0.866|; (0.025,0,0.025) |0.0354|.
    double[][] hand = {{0.5, 0, 0}, {0, -6, -3}, {0.5, 0.5, 0.5}, {0.025, 0, 0.025}};
    double c = 1.0;
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray w = m.create(w0, new Shape(3));
      TrainableParameters params = TrainableParameters.of(Map.of("w", w));
      LinearObjective obj = new LinearObjective(x, y, w);
      PerExampleClipping clip = new PerExampleClipping(params, obj, 0);
      PerExampleClipping.ClippedSum s = clip.clippedSum(obj.examples(), c, m);
      double[] expect = new double[3];
      for (int k = 0; k < 4; k++) {
        double[] g = obj.gradient(k, w0);
        double norm = 0;
        for (int j = 0; j < 3; j++) {
          assertThat(g[j]).isCloseTo(hand[k][j], within(1e-6));
          norm += g[j] * g[j];
        }
        norm = Math.sqrt(norm);
        assertThat(s.norms()[k]).isCloseTo(norm, within(1e-5));
        double f = Math.min(1, c / norm);
        for (int j = 0; j < 3; j++) {
          expect[j] += f * g[j];
        }
      }
      assertThat(s.clipped()).isEqualTo(1); // only example 1 (norm 6.7) exceeds C = 1
      float[] got = s.sums().get("w").toFloatArray();
      for (int j = 0; j < 3; j++) {
        assertThat((double) got[j]).isCloseTo(expect[j], within(1e-5));
      }
      // Example 1 clipped to norm 1: (0, -0.894, -0.447); sum = (1.025, -0.394, 0.078).
      assertThat((double) got[1]).isCloseTo(0.5 - 2 / Math.sqrt(5), within(1e-5));
      // The parameters' own gradient buffers are left at zero.
      assertThat(gradientOf(params, "w", m)).containsOnly(0f);
      // Mean loss over the 4 examples: 0.5 * (0.25 + 9 + 0.25 + 0.0625) / 4.
      assertThat(s.meanLoss()).isCloseTo(0.5 * 9.5625 / 4, within(1e-5));
    }
  }

  @Test
  void withoutNoiseOrClippingTheGradientIsTheOrdinaryMeanGradient() {
    float[][] x = features(6, 5, 1);
    int[] y = {1, 0, 2, 1, 3, 0};
    float[] w0 = {0.3f, -0.2f, 0.1f, 0.9f, -0.5f};
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray w = m.create(w0, new Shape(5));
      TrainableParameters params = TrainableParameters.of(Map.of("w", w));
      LinearObjective obj = new LinearObjective(x, y, w);
      PerExampleClipping clip = new PerExampleClipping(params, obj, 0);
      List<Example> batch = obj.examples();
      // The ordinary gradient: one backward pass of the batch's mean loss.
      params.zeroGradients();
      try (var collector = TensorRuntime.engine().newGradientCollector()) {
        NDArray loss = obj.lossSum(io.persona4j.core.train.Batch.of(batch, 0), m);
        collector.backward(loss.div(m.create(6f)));
      }
      float[] ordinary = gradientOf(params, "w", m);
      clip.writeNoisyMean(
          clip.clippedSum(batch, Double.POSITIVE_INFINITY, m),
          0,
          6,
          RandomSource.deterministicForTesting(1));
      float[] dp = gradientOf(params, "w", m);
      for (int j = 0; j < 5; j++) {
        assertThat(dp[j]).isCloseTo(ordinary[j], within(1e-6f));
        double mean = 0;
        for (int k = 0; k < 6; k++) {
          mean += obj.gradient(k, w0)[j] / 6;
        }
        assertThat((double) dp[j]).isCloseTo(mean, within(1e-5));
      }
    }
  }

  /**
   * The noise on the averaged gradient has std sigma C / B: 3 draws of 4000 coordinates give a
   * sample std within 3% (its relative standard error is 1/sqrt(2n) = 0.65%), and a mean within 4
   * standard errors of 0. Omitting the division by B, or dividing the std by sqrt(B), fails.
   */
  @Test
  void noiseStdIsSigmaTimesClipOverBatchSize() {
    int d = 4000;
    int b = 5;
    double sigma = 1.3;
    double c = 0.7;
    float[][] x = features(b, d, 2);
    int[] y = {1, 3, 2, 1, 2};
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray w = m.create(new float[d], new Shape(d));
      TrainableParameters params = TrainableParameters.of(Map.of("w", w));
      LinearObjective obj = new LinearObjective(x, y, w);
      PerExampleClipping clip = new PerExampleClipping(params, obj, 0);
      PerExampleClipping.ClippedSum sum = clip.clippedSum(obj.examples(), c, m);
      assertThat(sum.clipped()).isEqualTo(b); // norms ~ y * 36: all clipped
      clip.writeNoisyMean(sum, 0, b, RandomSource.deterministicForTesting(0));
      float[] clean = gradientOf(params, "w", m);
      RandomSource random = RandomSource.deterministicForTesting(42);
      double s1 = 0;
      double s2 = 0;
      int n = 0;
      for (int rep = 0; rep < 3; rep++) {
        clip.writeNoisyMean(sum, sigma * c, b, random);
        float[] noisy = gradientOf(params, "w", m);
        for (int j = 0; j < d; j++) {
          double e = noisy[j] - clean[j];
          s1 += e;
          s2 += e * e;
          n++;
        }
      }
      double mean = s1 / n;
      double std = Math.sqrt(s2 / n - mean * mean);
      double expected = sigma * c / b;
      assertThat(std / expected).isCloseTo(1.0, within(0.03));
      assertThat(Math.abs(mean)).isLessThan(4 * expected / Math.sqrt(n));
    }
  }

  @Test
  void accountantReportsTheSubsampledGaussianEpsilonAndTrainingStopsAtTheBudget() {
    int n = 40;
    int b = 4;
    double sigma = 1.0;
    double delta = 1e-5;
    double q = (double) b / n;
    double eps5 = RdpAccountant.epsilon(q, sigma, 5, delta);
    double eps6 = RdpAccountant.epsilon(q, sigma, 6, delta);
    assertThat(eps6).isGreaterThan(eps5);
    double budget = (eps5 + eps6) / 2;
    DpSgdConfig cfg =
        DpSgdConfig.builder()
            .setClipNorm(0.5)
            .setNoiseMultiplier(sigma)
            .setBatchSize(b)
            .setDelta(delta)
            .optEpsilonBudget(budget)
            .build();
    float[][] x = features(n, 3, 3);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
    }
    try (NDManager m = TensorRuntime.newManager();
        Sgd sgd = Sgd.builder().build()) {
      NDArray w = m.create(new float[] {0.1f, 0.2f, 0.3f}, new Shape(3));
      TrainableParameters params = TrainableParameters.of(Map.of("w", w));
      LinearObjective obj = new LinearObjective(x, y, w);
      DpSgdAccountant acc = DpSgdAccountant.of(cfg, n);
      assertThat(acc.samplingRate()).isEqualTo(q);
      DpSgdTrainer t =
          new DpSgdTrainer(
              params,
              obj,
              sgd,
              LearningRateSchedule.constant(0.1),
              obj.examples(),
              cfg,
              acc,
              RandomSource.deterministicForTesting(5),
              0);
      DpSgdResult r = t.train(3);
      assertThat(r.steps()).isEqualTo(3);
      assertThat(r.stopReason()).isNull();
      assertThat(r.epsilon())
          .isCloseTo(RdpAccountant.epsilon(q, sigma, 3, delta), within(1e-9 * r.epsilon()));
      // The next call continues the same accountant and stops after 2 more steps (5 in all).
      DpSgdResult r2 = t.train(100);
      assertThat(r2.steps()).isEqualTo(2);
      assertThat(acc.steps()).isEqualTo(5);
      assertThat(r2.stoppedByBudget()).isTrue();
      assertThat(r2.stopReason()).contains("budget");
      assertThat(r2.epsilon()).isCloseTo(eps5, within(1e-9 * eps5)).isLessThanOrEqualTo(budget);
      assertThat(t.train(10).steps()).isZero();
      // Poisson batches vary in size around B.
      assertThat(r.batchSizes()).hasSize(3);
    }
  }

  @Test
  void poissonBatchesHaveRateQAndShuffleBatchesCoverAnEpoch() {
    int n = 50;
    float[][] x = features(n, 2, 4);
    try (NDManager m = TensorRuntime.newManager();
        Sgd sgd = Sgd.builder().build()) {
      NDArray w = m.create(new float[2], new Shape(2));
      TrainableParameters params = TrainableParameters.of(Map.of("w", w));
      LinearObjective obj = new LinearObjective(x, new int[n], w);
      DpSgdConfig poisson =
          DpSgdConfig.builder()
              .setClipNorm(1)
              .setNoiseMultiplier(1)
              .setBatchSize(10)
              .setDelta(1e-5)
              .build();
      DpSgdTrainer t =
          new DpSgdTrainer(
              params,
              obj,
              sgd,
              LearningRateSchedule.constant(0),
              obj.examples(),
              poisson,
              DpSgdAccountant.of(poisson, n),
              RandomSource.deterministicForTesting(9),
              0);
      long total = 0;
      int draws = 2000;
      for (int i = 0; i < draws; i++) {
        total += t.sample().size();
      }
      // Binomial(50, 0.2) per draw: mean 10, std 2; the mean of 2000 draws has std 0.045.
      assertThat(total / (double) draws).isCloseTo(10.0, within(0.2));
      DpSgdConfig shuffle = poisson.toBuilder().optSampling(DpSgdConfig.Sampling.SHUFFLE).build();
      DpSgdTrainer s =
          new DpSgdTrainer(
              params,
              obj,
              sgd,
              LearningRateSchedule.constant(0),
              obj.examples(),
              shuffle,
              DpSgdAccountant.of(shuffle, n),
              RandomSource.deterministicForTesting(9),
              0);
      java.util.Set<Example> seen =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (int i = 0; i < 5; i++) {
        List<Example> batch = s.sample();
        assertThat(batch).hasSize(10);
        seen.addAll(batch);
      }
      assertThat(seen).hasSize(n); // one epoch: every example exactly once
    }
  }

  @Test
  void configRejectsBadValuesNamingTheField() {
    assertThatThrownBy(
            () ->
                DpSgdConfig.builder()
                    .setClipNorm(0)
                    .setNoiseMultiplier(1)
                    .setBatchSize(4)
                    .setDelta(1e-5)
                    .build())
        .hasMessageContaining("clipNorm");
    assertThatThrownBy(
            () ->
                DpSgdConfig.builder()
                    .setClipNorm(Double.POSITIVE_INFINITY)
                    .setNoiseMultiplier(1)
                    .setBatchSize(4)
                    .setDelta(1e-5)
                    .build())
        .hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(
            () ->
                DpSgdConfig.builder()
                    .setClipNorm(1)
                    .setNoiseMultiplier(-1)
                    .setBatchSize(4)
                    .setDelta(1e-5)
                    .build())
        .hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(
            () ->
                DpSgdConfig.builder()
                    .setClipNorm(1)
                    .setNoiseMultiplier(1)
                    .setBatchSize(0)
                    .setDelta(1e-5)
                    .build())
        .hasMessageContaining("batchSize");
    assertThatThrownBy(
            () ->
                DpSgdConfig.builder()
                    .setClipNorm(1)
                    .setNoiseMultiplier(1)
                    .setBatchSize(4)
                    .setDelta(1)
                    .build())
        .hasMessageContaining("delta");
    assertThatThrownBy(
            () ->
                DpSgdConfig.builder()
                    .setClipNorm(1)
                    .setNoiseMultiplier(1)
                    .setBatchSize(4)
                    .setDelta(1e-5)
                    .optEpsilonBudget(0)
                    .build())
        .hasMessageContaining("epsilonBudget");
    assertThatThrownBy(
            () ->
                DpSgdAccountant.of(
                    DpSgdConfig.builder()
                        .setClipNorm(1)
                        .setNoiseMultiplier(1)
                        .setBatchSize(8)
                        .setDelta(1e-5)
                        .build(),
                    5))
        .hasMessageContaining("batchSize 8");
  }
}
