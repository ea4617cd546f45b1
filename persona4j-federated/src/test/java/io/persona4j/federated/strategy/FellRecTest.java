/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden values computed by hand with numpy: theta = (1,0), (0,2), (3,3); losses 0.10, 0.15, 0.20;
 * l~ = softmax(l / 0.05) = (0.09003057, 0.24472847, 0.66524096).
 */
class FellRecTest {

  private static ParameterSet vec(float... v) {
    return ParameterSet.builder().add("lora", new int[] {v.length}, v).build();
  }

  private static final ParameterSet T1 = vec(1, 0);
  private static final ParameterSet T2 = vec(0, 2);
  private static final ParameterSet T3 = vec(3, 3);
  private static final double[] LOSSES = {0.10, 0.15, 0.20};

  private static List<Reply> replies(int round) {
    ParameterSet[] t = {T1, T2, T3};
    String[] ids = {"c1", "c2", "c3"};
    Reply[] out = new Reply[3];
    for (int i = 0; i < 3; i++) {
      Instruction in = Instruction.fit(round, ids[i], vec(0, 0), Map.of());
      out[i] = Reply.ok(in, t[i], 10, Map.of(Reply.LOSS, LOSSES[i]));
    }
    // deliberately out of order: the strategy sorts by client id
    return List.of(out[2], out[0], out[1]);
  }

  @Test
  void heatingWeightsRoundIndexZeroAndOne() {
    FellRec.Config c = FellRec.Config.defaults();
    // e = 0: w_i = tanh(0.7 / l~_i)
    assertThat(FellRec.heating(LOSSES, 0, c))
        .containsExactly(new double[] {0.99999965, 0.9934661, 0.78267969}, within(1e-7));
    // e = 1: w_i = tanh(0.7 / l~_i^2)
    assertThat(FellRec.heating(LOSSES, 1, c))
        .containsExactly(new double[] {1.0, 1.0, 0.91887602}, within(1e-7));
    // b = 5 at e = 0: exponent 0 + 1/5 (the code's precedence)
    double lt3 = 0.66524096;
    assertThat(FellRec.heating(LOSSES, 0, new FellRec.Config(0.7, 5, 0.05))[2])
        .isCloseTo(Math.tanh(0.7 / Math.pow(lt3, 0.2)), within(1e-7));
  }

  @Test
  void heatedSimilarityMatrixByHand() {
    double[][] s =
        FellRec.similarityWeights(List.of(T1, T2, T3), LOSSES, 0, FellRec.Config.defaults());
    // s = (cos + 1)/2: cos12 = 0, cos13 = cos23 = 1/sqrt(2); row i off-diagonal times w_i
    double[][] want = {
      {1.0, 0.49999982, 0.85355309},
      {0.49673305, 1.0, 0.84797636},
      {0.6680589, 0.6680589, 1.0}
    };
    for (int i = 0; i < 3; i++) {
      assertThat(s[i]).containsExactly(want[i], within(1e-7));
    }
  }

  @Test
  void personalizedAggregatesRoundOne() {
    ServerState before = ServerState.initial(vec(0, 0));
    ServerState after = new FellRec().aggregate(1, replies(1), List.of(), before);
    assertThat(after.round()).isEqualTo(1);
    assertThat(after.global()).isEqualTo(before.global());
    assertClose(after.personalized().get("c1"), 1.51288686, 1.51288671);
    assertClose(after.personalized().get("c2"), 1.29681832, 1.93794978);
    assertClose(after.personalized().get("c3"), 1.57015151, 1.85612121);
  }

  @Test
  void roundTwoUsesExponentTwo() {
    ServerState before = ServerState.initial(vec(0, 0));
    ServerState after = new FellRec().aggregate(2, replies(2), List.of(), before);
    assertClose(after.personalized().get("c2"), 1.30044221, 1.93777638);
    assertClose(after.personalized().get("c3"), 1.47328546, 1.77862837);
  }

  @Test
  void usesTheOldParametersNotAnInPlaceUpdate() {
    // The reference code updates theta_i in place, so theta_2 and theta_3 would mix in the new
    // theta_1 (and theta_3 the new theta_2): the buggy results are c2 = (1.41946902, 2.16132175),
    // c3 = (2.06612671, 2.29082217). FellRec must give the values from the old parameters.
    ServerState after =
        new FellRec().aggregate(1, replies(1), List.of(), ServerState.initial(vec(0, 0)));
    float[] c3 = after.personalized().get("c3").values("lora");
    assertThat(Math.abs(c3[0] - 2.06612671)).isGreaterThan(0.4);
    assertClose(after.personalized().get("c3"), 1.57015151, 1.85612121);
    // an independent naive implementation from the old parameters agrees
    double[][] s =
        FellRec.similarityWeights(List.of(T1, T2, T3), LOSSES, 0, FellRec.Config.defaults());
    float[][] old = {T1.values("lora"), T2.values("lora"), T3.values("lora")};
    for (int i = 0; i < 3; i++) {
      double sum = s[i][0] + s[i][1] + s[i][2];
      for (int d = 0; d < 2; d++) {
        double v = (s[i][0] * old[0][d] + s[i][1] * old[1][d] + s[i][2] * old[2][d]) / sum;
        assertThat((double) after.personalized().get("c" + (i + 1)).values("lora")[d])
            .isCloseTo(v, within(1e-6));
      }
    }
  }

  @Test
  void clientsWithoutReplyKeepTheirPersonalStateAndStartFromIt() {
    ParameterSet own = vec(9, 9);
    ServerState before = new ServerState(0, vec(0, 0), Map.of("c4", own));
    FellRec f = new FellRec();
    ServerState after = f.aggregate(1, replies(1), List.of(), before);
    assertThat(after.personalized()).containsEntry("c4", own).containsKeys("c1", "c2", "c3");
    List<Instruction> ins = f.configureRound(2, after, List.of("c1", "c4", "c9"));
    assertThat(ins.get(0).parameters()).isEqualTo(after.personalized().get("c1"));
    assertThat(ins.get(1).parameters()).isEqualTo(own);
    assertThat(ins.get(2).parameters()).isEqualTo(before.global());
    assertThat(f.requiredMetrics()).containsExactly(Reply.LOSS);
  }

  private static void assertClose(ParameterSet p, double x, double y) {
    float[] v = p.values("lora");
    assertThat((double) v[0]).isCloseTo(x, within(2e-6));
    assertThat((double) v[1]).isCloseTo(y, within(2e-6));
  }
}
