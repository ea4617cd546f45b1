/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.Messages.Result;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SecAggProtocolTest {
  private static final Stage[] DROP_STAGES = {
    Stage.ADVERTISE_KEYS, Stage.SHARE_KEYS, Stage.MASKED_INPUT, Stage.UNMASKING
  };

  private static float[][] inputs(int n, int len, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[n + 1][len];
    for (int i = 1; i <= n; i++) {
      for (int j = 0; j < len; j++) {
        x[i][j] = (float) (r.nextDouble() * 2.4 - 1.2); // partly outside the clip range of 1
      }
    }
    return x;
  }

  /** The plain modular sum of the encodings of the clients that sent inputs. */
  private static long[] plainSum(SecAggConfig c, float[][] x, Iterable<Integer> included) {
    long[] acc = new long[c.vectorLength()];
    for (int i : included) {
      c.fixedPoint().addInto(acc, c.fixedPoint().encode(x[i]));
    }
    return acc;
  }

  @Test
  void noDropoutsGiveTheExactSum() {
    for (long modulus : new long[] {1L << 32, 1_000_003L}) {
      SecAggConfig c = new SecAggConfig(5, 3, 12, new FixedPoint(1.0, 1 << 10, modulus));
      float[][] x = inputs(5, 12, 1);
      Result r = new SecAggHarness(c, Map.of(), 1).run(x);
      assertThat(r.included()).containsExactly(1, 2, 3, 4, 5);
      long[] expected = plainSum(c, x, r.included());
      assertThat(r.encodedSum()).containsExactly(expected);
      assertThat(r.sum()).containsExactly(c.fixedPoint().decodeSum(expected, 5));
      // and the masked inputs were not the plain encodings
      assertThat(new SecAggHarness(c, Map.of(), 2).run(x).encodedSum()).containsExactly(expected);
    }
  }

  @Test
  void everyDropoutPatternUpToNMinusTYieldsTheExactSum() {
    int n = 5;
    int t = 3;
    SecAggConfig c = new SecAggConfig(n, t, 6, new FixedPoint(1.0, 1 << 12, 1L << 40));
    float[][] x = inputs(n, 6, 3);
    int runs = 0;
    List<Map<Integer, Stage>> plans = new java.util.ArrayList<>();
    plans.add(Map.of());
    for (int a = 1; a <= n; a++) {
      for (Stage sa : DROP_STAGES) {
        plans.add(Map.of(a, sa));
        for (int b = a + 1; b <= n; b++) {
          for (Stage sb : DROP_STAGES) {
            plans.add(Map.of(a, sa, b, sb));
          }
        }
      }
    }
    for (Map<Integer, Stage> plan : plans) {
      SecAggHarness h = new SecAggHarness(c, plan, runs);
      Result r = h.run(x);
      assertThat(r.included()).as("plan %s", plan).containsExactlyElementsOf(h.sentInput);
      assertThat(r.encodedSum()).as("plan %s", plan).containsExactly(plainSum(c, x, h.sentInput));
      // a client that dropped only at unmasking still counts; earlier dropouts do not
      for (var e : plan.entrySet()) {
        assertThat(r.included().contains(e.getKey())).isEqualTo(e.getValue() == Stage.UNMASKING);
      }
      runs++;
    }
    assertThat(runs).isEqualTo(1 + 5 * 4 + 10 * 16);
  }

  @Test
  void fewerSurvivorsThanThresholdAbortAtEachStage() {
    SecAggConfig c = new SecAggConfig(5, 3, 4, new FixedPoint(1.0, 256, 1L << 32));
    for (Stage s : DROP_STAGES) {
      SecAggHarness h = new SecAggHarness(c, Map.of(1, s, 3, s, 5, s), 9);
      assertThatThrownBy(() -> h.run(inputs(5, 4, 4)))
          .isInstanceOf(SecAggAbortedException.class)
          .hasMessage("aborted in " + s + ": 2 of 5 clients responded, threshold is 3");
      assertThat(h.server.stage()).isEqualTo(Stage.ABORTED);
      assertThat(h.server.abortReason()).contains(s.name());
      assertThatThrownBy(() -> h.server.result()).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> h.server.receive(new Messages.MaskedInput(2, new long[4])))
          .isInstanceOfSatisfying(
              SecAggRejection.class,
              e -> assertThat(e.reason()).isEqualTo(SecAggRejection.Reason.WRONG_STAGE));
    }
  }

  @Test
  void dropoutsSpreadOverStagesBeyondNMinusTAbort() {
    // Two drops are tolerated for n = 5, t = 3; a third at a later stage aborts there.
    SecAggConfig c = new SecAggConfig(5, 3, 4, new FixedPoint(1.0, 256, 1L << 32));
    Map<Integer, Stage> plan = new HashMap<>();
    plan.put(1, Stage.ADVERTISE_KEYS);
    plan.put(2, Stage.SHARE_KEYS);
    plan.put(3, Stage.UNMASKING);
    SecAggHarness h = new SecAggHarness(c, plan, 5);
    assertThatThrownBy(() -> h.run(inputs(5, 4, 5)))
        .hasMessage("aborted in UNMASKING: 2 of 5 clients responded, threshold is 3");
  }
}
