/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
  @Test
  void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOnce() {
    float[] logits = {2f, -2f, 1f, 4f};
    Sampler.applyRepetitionPenalty(logits, new long[] {0, 1, 1, 9}, 4, 2f);
    assertThat(logits).containsExactly(1f, -4f, 1f, 4f);
  }

  @Test
  void greedyPicksArgmaxAndPenaltyCanChangeIt() {
    SamplingConfig greedy = SamplingConfig.greedy(1, Set.of());
    assertThat(
            new Sampler(greedy, new SplittableRandom(1))
                .next(new float[] {1, 3, 2}, new long[0], 0))
        .isEqualTo(1);
    SamplingConfig penalized = new SamplingConfig(1, 0f, 0, 1f, 2f, Set.of(), 0);
    assertThat(
            new Sampler(penalized, new SplittableRandom(1))
                .next(new float[] {1, 3, 2}, new long[] {1}, 1))
        .isEqualTo(2);
  }

  @Test
  void topKOneEqualsGreedyWhateverTheTemperature() {
    SamplingConfig k1 = new SamplingConfig(1, 5f, 1, 1f, 1f, Set.of(), 0);
    Sampler s = new Sampler(k1, new SplittableRandom(3));
    for (int i = 0; i < 50; i++) {
      assertThat(s.next(new float[] {0.1f, 0.3f, 0.2f, 0.25f}, new long[0], 0)).isEqualTo(1);
    }
  }

  @Test
  void topPKeepsTheSmallestNucleusAndSamplesItInProportion() {
    // probabilities 0.5, 0.3, 0.2 -> p = 0.7 keeps {0, 1} (0.5 < 0.7 <= 0.8)
    float[] base = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
    SamplingConfig cfg = new SamplingConfig(1, 1f, 0, 0.7f, 1f, Set.of(), 0);
    Sampler s = new Sampler(cfg, new SplittableRandom(42));
    int[] counts = new int[3];
    int n = 20000;
    for (int i = 0; i < n; i++) {
      counts[(int) s.next(base.clone(), new long[0], 0)]++;
    }
    assertThat(counts[2]).isZero();
    // renormalized nucleus: 0.625 / 0.375; 4 sigma of a binomial(20000, 0.625) is ~0.0137
    assertThat(counts[0] / (double) n).isBetween(0.625 - 0.014, 0.625 + 0.014);
  }

  @Test
  void temperatureSharpensTheDistribution() {
    float[] base = {0f, 1f};
    int hot = 0;
    int cold = 0;
    Sampler t2 =
        new Sampler(new SamplingConfig(1, 2f, 0, 1f, 1f, Set.of(), 0), new SplittableRandom(1));
    Sampler t05 =
        new Sampler(new SamplingConfig(1, 0.5f, 0, 1f, 1f, Set.of(), 0), new SplittableRandom(1));
    for (int i = 0; i < 5000; i++) {
      hot += (int) t2.next(base.clone(), new long[0], 0);
      cold += (int) t05.next(base.clone(), new long[0], 0);
    }
    // P(1) = sigmoid(1/T): T=2 -> 0.622, T=0.5 -> 0.881
    assertThat(hot / 5000.0).isBetween(0.60, 0.645);
    assertThat(cold / 5000.0).isBetween(0.865, 0.90);
  }

  @Test
  void invalidConfigsAreRejected() {
    assertThatThrownBy(() -> new SamplingConfig(0, 0f, 0, 1f, 1f, Set.of(), 0))
        .hasMessageContaining("maxNewTokens");
    assertThatThrownBy(() -> new SamplingConfig(1, -1f, 0, 1f, 1f, Set.of(), 0))
        .hasMessageContaining("temperature");
    assertThatThrownBy(() -> new SamplingConfig(1, 1f, 0, 0f, 1f, Set.of(), 0))
        .hasMessageContaining("topP");
    assertThatThrownBy(() -> new SamplingConfig(1, 1f, 0, 1f, 0.5f, Set.of(), 0))
        .hasMessageContaining("repetitionPenalty");
  }
}
