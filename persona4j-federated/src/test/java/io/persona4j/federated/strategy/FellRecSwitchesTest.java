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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ablation switches of {@link FellRec.Config} on {@link FellRecTest}'s example (theta = (1,0),
 * (0,2), (3,3); losses 0.10, 0.15, 0.20). Golden values by hand with numpy: heating off keeps the
 * unscaled similarities {@code (cos + 1)/2} = [[1, .5, .85355339], [.5, 1, .85355339], [.85355339,
 * .85355339, 1]]; similarity off makes every {@code s_ij} 1 before heating.
 */
class FellRecSwitchesTest {
  private static final double[] W0 = {0.99999965, 0.9934661, 0.78267969};
  private static final double S13 = 0.85355339;
  private static final double[] LOSSES = {0.10, 0.15, 0.20};

  private static ParameterSet vec(float... v) {
    return ParameterSet.builder().add("lora", new int[] {v.length}, v).build();
  }

  private static final List<ParameterSet> THETAS = List.of(vec(1, 0), vec(0, 2), vec(3, 3));

  private static List<Reply> replies(int round) {
    String[] ids = {"c1", "c2", "c3"};
    Reply[] out = new Reply[3];
    for (int i = 0; i < 3; i++) {
      Instruction in = Instruction.fit(round, ids[i], vec(0, 0), Map.of());
      out[i] = Reply.ok(in, THETAS.get(i), 10, Map.of(Reply.LOSS, LOSSES[i]));
    }
    return List.of(out[1], out[2], out[0]);
  }

  private static ServerState aggregate(FellRec.Config c, int round) {
    return new FellRec(c, Map.of()).aggregate(round, replies(round), List.of(), initial());
  }

  private static ServerState initial() {
    return ServerState.initial(vec(0, 0));
  }

  @Test
  void builderDefaultsAreThePaperAndRoundTrip() {
    FellRec.Config d = FellRec.Config.builder().build();
    assertThat(d).isEqualTo(FellRec.Config.defaults());
    assertThat(d.heating()).isTrue();
    assertThat(d.similarity()).isTrue();
    assertThat(new FellRec.Config(0.7, 5, 0.05))
        .isEqualTo(FellRec.Config.builder().optB(5).build());
    FellRec.Config off =
        FellRec.Config.builder()
            .optA(0.5)
            .optB(5)
            .optTemperature(0.1)
            .optHeating(false)
            .optSimilarity(false)
            .build();
    assertThat(off).isEqualTo(new FellRec.Config(0.5, 5, 0.1, false, false));
    assertThat(off.toBuilder().build()).isEqualTo(off);
    assertThatThrownBy(() -> FellRec.Config.builder().optB(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("b must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> FellRec.Config.builder().optTemperature(Double.NaN).build())
        .hasMessageContaining("temperature");
  }

  @Test
  void heatingOffGivesEveryClientFullWeightFromRoundOne() {
    FellRec.Config off = FellRec.Config.builder().optHeating(false).build();
    for (int e : new int[] {0, 1, 7}) {
      assertThat(FellRec.heating(LOSSES, e, off)).containsExactly(1.0, 1.0, 1.0);
    }
    // the losses are still validated
    assertThatThrownBy(() -> FellRec.heating(new double[] {0.1, Double.NaN}, 0, off))
        .hasMessageContaining("loss must be finite");
    double[][] s = FellRec.similarityWeights(THETAS, LOSSES, 0, off);
    double[][] want = {{1, 0.5, S13}, {0.5, 1, S13}, {S13, S13, 1}};
    for (int i = 0; i < 3; i++) {
      assertThat(s[i]).containsExactly(want[i], within(1e-7));
    }
    ServerState after = aggregate(off, 1);
    assertClose(after.personalized().get("c1"), 1.51288693, 1.51288693);
    assertClose(after.personalized().get("c2"), 1.30044221, 1.93777638);
    assertClose(after.personalized().get("c3"), 1.42349516, 1.73879613);
    // round 1 without heating == a late round with heating (w -> 1): the same aggregate
    ServerState late = aggregate(FellRec.Config.defaults(), 40);
    for (String id : List.of("c1", "c2", "c3")) {
      assertThat(late.personalized().get(id).distance(after.personalized().get(id)))
          .isLessThan(1e-6);
    }
  }

  @Test
  void heatingOffChangesOnlyTheHeatingFactor() {
    FellRec.Config on = FellRec.Config.defaults();
    FellRec.Config off = on.toBuilder().optHeating(false).build();
    for (int e : new int[] {0, 1}) {
      double[] w = FellRec.heating(LOSSES, e, on);
      double[][] heated = FellRec.similarityWeights(THETAS, LOSSES, e, on);
      double[][] plain = FellRec.similarityWeights(THETAS, LOSSES, e, off);
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          double factor = i == j ? 1 : w[i];
          assertThat(heated[i][j]).isCloseTo(factor * plain[i][j], within(1e-12));
        }
      }
    }
  }

  @Test
  void similarityOffWithHeatingOffIsUniformAveraging() {
    FellRec.Config off = FellRec.Config.builder().optHeating(false).optSimilarity(false).build();
    double[][] s = FellRec.similarityWeights(THETAS, LOSSES, 0, off);
    for (double[] row : s) {
      assertThat(row).containsExactly(1.0, 1.0, 1.0);
    }
    ServerState after = aggregate(off, 1);
    for (String id : List.of("c1", "c2", "c3")) {
      assertClose(after.personalized().get(id), 4.0 / 3, 5.0 / 3);
    }
  }

  @Test
  void similarityOffKeepsHeatingAndChangesOnlyTheSimilarities() {
    FellRec.Config on = FellRec.Config.defaults();
    FellRec.Config off = on.toBuilder().optSimilarity(false).build();
    // heating is untouched by the similarity switch
    assertThat(FellRec.heating(LOSSES, 0, off)).containsExactly(FellRec.heating(LOSSES, 0, on));
    assertThat(FellRec.heating(LOSSES, 0, off)).containsExactly(W0, within(1e-7));
    double[][] s = FellRec.similarityWeights(THETAS, LOSSES, 0, off);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        assertThat(s[i][j]).isCloseTo(i == j ? 1 : W0[i], within(1e-7));
      }
    }
    ServerState after = aggregate(off, 1);
    assertClose(after.personalized().get("c1"), 1.33333329, 1.66666647);
    assertClose(after.personalized().get("c2"), 1.33041667, 1.66739583);
    assertClose(after.personalized().get("c3"), 1.47452233, 1.77961786);
  }

  private static void assertClose(ParameterSet p, double x, double y) {
    float[] v = p.values("lora");
    assertThat((double) v[0]).isCloseTo(x, within(2e-6));
    assertThat((double) v[1]).isCloseTo(y, within(2e-6));
  }
}
