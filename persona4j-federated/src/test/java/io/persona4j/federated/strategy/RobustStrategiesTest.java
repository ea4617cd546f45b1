/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The robust strategies against hand computations (each step written out below; the same numbers
 * come out of Flower's {@code aggregate_median}, {@code aggregate_trimmed_avg}, {@code
 * aggregate_krum} and {@code aggregate_bulyan}), and the weight cap and norm bound decorators.
 */
class RobustStrategiesTest {

  private static ParameterSet vec(float... v) {
    return ParameterSet.builder().add("t", new int[] {v.length}, v).build();
  }

  /** Replies named a, b, c, ... (the id order is the order given) with the given points. */
  private static List<Reply> replies(long[] examples, float[]... points) {
    List<Reply> out = new ArrayList<>();
    for (int i = 0; i < points.length; i++) {
      String id = String.valueOf((char) ('a' + i));
      Instruction in = Instruction.fit(1, id, vec(new float[points[i].length]), Map.of());
      out.add(Reply.ok(in, vec(points[i]), examples == null ? 1 : examples[i], Map.of()));
    }
    return out;
  }

  private static float[] aggregate(Strategy s, List<Reply> replies, float... start) {
    // a shuffled order must not matter: rules work in client-id order
    List<Reply> reversed = new ArrayList<>(replies);
    java.util.Collections.reverse(reversed);
    float[] origin =
        start.length > 0 ? start : new float[replies.get(0).parameters().values("t").length];
    ServerState before = ServerState.initial(vec(origin));
    float[] a = s.aggregate(1, replies, List.of(), before).global().values("t");
    float[] b = s.aggregate(1, reversed, List.of(), before).global().values("t");
    assertThat(b).containsExactly(a);
    return a;
  }

  private static final float[] P1 = {1, 10};
  private static final float[] P2 = {2, -4};
  private static final float[] P3 = {100, 0};
  private static final float[] P4 = {3, 5};
  private static final float[] P5 = {-50, 6};

  @Test
  void fedMedianIsTheCoordinateWiseMedian() {
    // x: 1, 2, 100, 3, -50 -> sorted -50 1 [2] 3 100; y: 10 -4 0 5 6 -> -4 0 [5] 6 10
    assertThat(aggregate(new FedMedian(), replies(null, P1, P2, P3, P4, P5), 0, 0))
        .containsExactly(2f, 5f);
    // four replies: the mean of the two middle values, x: 1 [2 3] 100 -> 2.5; y: -4 [0 5] 10 -> 2.5
    assertThat(aggregate(new FedMedian(), replies(null, P1, P2, P3, P4), 0, 0))
        .containsExactly(2.5f, 2.5f);
    // example counts do not matter
    assertThat(
            aggregate(
                new FedMedian(), replies(new long[] {1, 1, (long) 1e15, 1, 1}, P1, P2, P3, P4, P5)))
        .containsExactly(2f, 5f);
  }

  @Test
  void fedTrimmedAvgDropsFloorBetaNFromEachEnd() {
    // beta 0.2, n 5: cut 1 each end. x: -50 [1 2 3] 100 -> 2; y: -4 [0 5 6] 10 -> 11/3
    float[] t =
        aggregate(new FedTrimmedAvg(0.2, Map.of()), replies(null, P1, P2, P3, P4, P5), 0, 0);
    assertThat(t[0]).isCloseTo(2f, within(1e-6f));
    assertThat(t[1]).isCloseTo(11f / 3, within(1e-6f));
    // beta 0.2, n 4: floor(0.8) = 0, the plain mean: x (1+2+100+3)/4 = 26.5, y (10-4+0+5)/4 = 2.75
    assertThat(aggregate(new FedTrimmedAvg(0.2, Map.of()), replies(null, P1, P2, P3, P4)))
        .containsExactly(26.5f, 2.75f);
    assertThat(new FedTrimmedAvg(0.45, Map.of()).cut(10)).isEqualTo(4);
    assertThatThrownBy(() -> new FedTrimmedAvg(0.5, Map.of())).hasMessageContaining("[0, 0.5)");
  }

  // Krum, f = 1, n = 5 (2f + 3): each score sums the n - f - 2 = 2 smallest squared distances.
  private static final float[] KA = {0, 0};
  private static final float[] KB = {1, 0.5f};
  private static final float[] KC = {2, 1};
  private static final float[] KD = {3, 0.2f};
  private static final float[] KE = {100, -80};

  @Test
  void krumKeepsTheReplyClosestToItsNeighbours() {
    // squared distances: ab 1.25, ac 5, ad 9.04, bc 1.25, bd 4.09, cd 1.64, e far from all
    // scores: a 1.25 + 5 = 6.25, b 1.25 + 1.25 = 2.5, c 1.25 + 1.64 = 2.89, d 1.64 + 4.09 = 5.73,
    // e 97^2 + 80.2^2 + 98^2 + 81^2 = 32006.04
    float[][] x = {KA, KB, KC, KD, KE};
    double[] scores = Krum.scores(x, 1);
    assertThat(scores[0]).isCloseTo(6.25, within(1e-6));
    assertThat(scores[1]).isCloseTo(2.5, within(1e-6));
    assertThat(scores[2]).isCloseTo(2.89, within(1e-6));
    assertThat(scores[3]).isCloseTo(5.73, within(1e-6));
    assertThat(scores[4]).isCloseTo(32006.04, within(1e-3));
    long[] n = {10, 20, 30, 40, 50};
    assertThat(aggregate(new Krum(1, 1, Map.of()), replies(n, KA, KB, KC, KD, KE)))
        .containsExactly(1f, 0.5f);
    // multi-Krum m = 3: b, c, d, averaged by examples 20, 30, 40:
    // x (20*1 + 30*2 + 40*3) / 90 = 200/90, y (20*0.5 + 30*1 + 40*0.2) / 90 = 48/90
    float[] m = aggregate(new Krum(1, 3, Map.of()), replies(n, KA, KB, KC, KD, KE));
    assertThat(m[0]).isCloseTo(200f / 90, within(1e-5f));
    assertThat(m[1]).isCloseTo(48f / 90, within(1e-5f));
    assertThat(Krum.minReplies(1)).isEqualTo(5);
  }

  @Test
  void bulyanAveragesTheSelectedValuesClosestToTheirMedian() {
    // f = 1, n = 7 (4f + 3): theta = 5 replies selected by repeated Krum, beta = 3 averaged.
    // The two outliers are never selected; selected: (0,1) (1,2) (2,0) (3,3) (4,1.5).
    // Median x: 0 1 [2] 3 4 -> 2; closest 3 to it: 2, 1, 3 -> 2.
    // Median y: 0 1 [1.5] 2 3 -> 1.5; closest 3: 1.5, 1, 2 -> 1.5.
    List<Reply> r =
        replies(
            null,
            new float[] {0, 1},
            new float[] {1, 2},
            new float[] {2, 0},
            new float[] {3, 3},
            new float[] {4, 1.5f},
            new float[] {50, -40},
            new float[] {-60, 70});
    assertThat(aggregate(new Bulyan(1, Map.of()), r)).containsExactly(2f, 1.5f);
    assertThatThrownBy(
            () ->
                new Bulyan(1, Map.of())
                    .aggregate(1, r.subList(0, 6), List.of(), ServerState.initial(vec(0, 0))))
        .hasMessageContaining("needs at least 7 replies (4f + 3), got 6");
  }

  @Test
  void weightCapClampsDeclaredCountsBeforeFedAvg() {
    // examples 10, 20, 10^15 at 0, 3, 30; lower median of the counts 20, cap 4 * 20 = 80
    long[] n = {10, 20, (long) 1e15};
    List<Reply> r = replies(n, new float[] {0}, new float[] {3}, new float[] {30});
    // plain FedAvg: the claim wins, ~30
    assertThat(aggregate(new FedAvg(), r)[0]).isCloseTo(30f, within(1e-4f));
    // capped: (10*0 + 20*3 + 80*30) / 110 = 2460 / 110
    assertThat(aggregate(new WeightCap(new FedAvg(), Long.MAX_VALUE, 4), r)[0])
        .isCloseTo(2460f / 110, within(1e-4f));
    // absolute cap 15 as well: weights 10, 15, 15: (45 + 450) / 40
    assertThat(aggregate(new WeightCap(new FedAvg(), 15, 4), r)[0])
        .isCloseTo(495f / 40, within(1e-5f));
    // equal weights: (0 + 3 + 30) / 3
    assertThat(aggregate(WeightCap.equal(new FedAvg()), r)[0]).isCloseTo(11f, within(1e-5f));
  }

  @Test
  void normBoundShortensLongUpdatesOnly() {
    // sent (0, 0): (3, 4) has norm 5 -> (0.6, 0.8) at bound 1; (0.3, 0.4) is within it
    List<Reply> r = replies(null, new float[] {3, 4}, new float[] {0.3f, 0.4f});
    float[] mean = aggregate(new NormBound(WeightCap.equal(new FedAvg()), 1.0), r, 0, 0);
    assertThat(mean[0]).isCloseTo(0.45f, within(1e-6f));
    assertThat(mean[1]).isCloseTo(0.6f, within(1e-6f));
    // relative to what each client was sent: from (1, 1), (4, 5) is the same update (3, 4)
    ParameterSet b = NormBound.bounded(vec(4, 5), vec(1, 1), 1.0);
    assertThat(b.values("t")[0]).isCloseTo(1.6f, within(1e-6f));
    assertThat(b.values("t")[1]).isCloseTo(1.8f, within(1e-6f));
  }

  @Test
  void robustStrategiesSendTheGlobalParametersLikeFedAvg() {
    ServerState s = ServerState.initial(vec(1, 2));
    for (Strategy st :
        List.of(
            new FedMedian(Map.of("lr", 0.1)),
            new FedTrimmedAvg(0.1, Map.of("lr", 0.1)),
            new Krum(0, 1, Map.of("lr", 0.1)),
            new Bulyan(0, Map.of("lr", 0.1)),
            new WeightCap(new FedMedian(Map.of("lr", 0.1)), 5, 2),
            new NormBound(new FedMedian(Map.of("lr", 0.1)), 2))) {
      List<Instruction> in = st.configureRound(3, s, List.of("x", "y"));
      assertThat(in).extracting(Instruction::clientId).containsExactly("x", "y");
      assertThat(in).allSatisfy(i -> assertThat(i.parameters()).isEqualTo(s.global()));
      assertThat(in).allSatisfy(i -> assertThat(i.config()).containsEntry("lr", 0.1));
      assertThat(st.checkpointState()).isEmpty();
    }
  }
}
