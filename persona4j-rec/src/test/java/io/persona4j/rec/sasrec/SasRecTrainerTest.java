/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SasRecTrainerTest {
  private static final int N = 50;

  /** Item i is always followed by item i % N + 1. */
  private static int[] cycle(int start, int length) {
    int[] s = new int[length];
    for (int i = 0; i < length; i++) {
      s[i] = (start - 1 + i) % N + 1;
    }
    return s;
  }

  private static int[][] sequences(int count, int minLen, int maxLen, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[][] out = new int[count][];
    for (int i = 0; i < count; i++) {
      out[i] = cycle(1 + r.nextInt(N), minLen + r.nextInt(maxLen - minLen + 1));
    }
    return out;
  }

  private static int[] nextItems(int[][] histories) {
    int[] t = new int[histories.length];
    for (int i = 0; i < t.length; i++) {
      int[] h = histories[i];
      t[i] = h[h.length - 1] % N + 1;
    }
    return t;
  }

  private static SasRecConfig.Builder small() {
    return SasRecConfig.builder()
        .setNumItems(N)
        .optMaxLen(10)
        .optHiddenSize(32)
        .optNumBlocks(1)
        .optNumHeads(1)
        .optDropout(0.1)
        .optLearningRate(5e-3)
        .optBatchSize(64);
  }

  @Test
  void learnsADeterministicSuccessionPattern() {
    int[][] train = sequences(300, 5, 20, 1);
    int[][] test = sequences(200, 3, 12, 2);
    int[] targets = nextItems(test);
    SasRecConfig config = small().optEpochs(15).build();
    List<SasRecEpoch> seen = new ArrayList<>();
    try (SasRecModel model = SasRecModel.create(config)) {
      RankingMetrics before = SasRecTrainer.evaluate(model, test, targets);
      long start = System.nanoTime();
      SasRecFitResult r =
          new SasRecTrainer(config).onEpoch(seen::add).fit(model, train, null, null);
      double seconds = (System.nanoTime() - start) / 1e9;
      RankingMetrics after = SasRecTrainer.evaluate(model, test, targets);
      // random ranking among the ~42 non-history items: HR@10 ~ 0.24
      assertThat(before.hitRate()).isLessThan(0.5);
      assertThat(after.hitRate()).as("HR@10 after training").isGreaterThan(0.9);
      assertThat(after.ndcg()).isGreaterThan(0.7);
      assertThat(seconds).as("training time").isLessThan(30);
      assertThat(seen).hasSize(15).isEqualTo(r.epochs());
      assertThat(seen).extracting(SasRecEpoch::epoch).containsExactly(range(1, 15));
      assertThat(seen.get(14).loss()).isLessThan(seen.get(0).loss() * 0.5);
      assertThat(seen).allSatisfy(e -> assertThat(e.validNdcg()).isNaN());
      assertThat(r.bestEpoch()).isEqualTo(15);
      System.out.printf(
          "synthetic cycle N=%d: HR@10 %.3f -> %.3f, NDCG@10 %.3f -> %.3f, %.1f s%n",
          N, before.hitRate(), after.hitRate(), before.ndcg(), after.ndcg(), seconds);
    }
  }

  @Test
  void sameSeedSameWeightsOtherSeedOtherWeights() {
    int[][] train = sequences(80, 3, 15, 3);
    SasRecConfig config = small().optEpochs(2).optBatchSize(32).build();
    Map<String, float[]> a = trainedWeights(config, train);
    Map<String, float[]> b = trainedWeights(config, train);
    a.forEach((k, v) -> assertThat(b.get(k)).as(k).containsExactly(v));
    Map<String, float[]> c = trainedWeights(config.toBuilder().optSeed(43).build(), train);
    assertThat(c.get("blocks.0.attn.q.weight")).isNotEqualTo(a.get("blocks.0.attn.q.weight"));
  }

  private static Map<String, float[]> trainedWeights(SasRecConfig config, int[][] train) {
    try (SasRecModel model = SasRecModel.create(config)) {
      new SasRecTrainer(config).fit(model, train, null, null);
      return model.weights().snapshot();
    }
  }

  @Test
  void earlyStoppingKeepsTheBestEpochsWeights() {
    int[][] train = sequences(150, 4, 15, 4);
    int[][] valid = sequences(60, 3, 10, 5);
    int[] targets = nextItems(valid);
    SasRecConfig config = small().optEpochs(60).optPatience(2).optLearningRate(1e-2).build();
    Map<Integer, Map<String, float[]>> snapshots = new LinkedHashMap<>();
    try (SasRecModel model = SasRecModel.create(config)) {
      SasRecFitResult r =
          new SasRecTrainer(config)
              .onEpoch(e -> snapshots.put(e.epoch(), model.weights().snapshot()))
              .fit(model, train, valid, targets);
      int last = r.epochs().size();
      assertThat(r.stoppedEarly()).isTrue();
      assertThat(last).isEqualTo(r.bestEpoch() + 2).isLessThan(60);
      double maxNdcg = r.epochs().stream().mapToDouble(SasRecEpoch::validNdcg).max().orElseThrow();
      assertThat(r.bestValidNdcg()).isEqualTo(maxNdcg);
      assertThat(r.epochs().get(r.bestEpoch() - 1).best()).isTrue();
      // the model holds the best epoch's weights, not the last epoch's
      Map<String, float[]> now = model.weights().snapshot();
      String name = "blocks.0.ffn.fc1.weight";
      assertThat(now.get(name)).containsExactly(snapshots.get(r.bestEpoch()).get(name));
      assertThat(now.get(name)).isNotEqualTo(snapshots.get(last).get(name));
      RankingMetrics m = SasRecTrainer.evaluate(model, valid, targets);
      assertThat(m.ndcg()).isEqualTo(r.bestValidNdcg());
      assertThat(m.hitRate()).isEqualTo(r.bestValidHitRate());
    }
  }

  @Test
  void fitCreatingItsOwnModelAndInputChecks() {
    int[][] train = sequences(40, 3, 8, 6);
    SasRecConfig config = small().optEpochs(1).build();
    SasRecTrainer.Trained t = new SasRecTrainer(config).fit(train, null, null);
    try (SasRecModel model = t.model()) {
      assertThat(model.config()).isEqualTo(config);
      assertThat(t.result().epochs()).hasSize(1);
      assertThat(t.result().epochs().get(0).loss()).isFinite().isPositive();
      assertThatThrownBy(
              () ->
                  new SasRecTrainer(config)
                      .fit(model, train, new int[][] {{1}, {2}}, new int[] {3}))
          .hasMessageContaining("as many histories as targets");
      assertThatThrownBy(
              () ->
                  new SasRecTrainer(config.toBuilder().optHiddenSize(16).build())
                      .fit(model, train, null, null))
          .hasMessageContaining("architecture");
    }
  }

  private static Integer[] range(int from, int to) {
    Integer[] r = new Integer[to - from + 1];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }
}
