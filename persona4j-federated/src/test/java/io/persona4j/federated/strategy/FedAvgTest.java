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

class FedAvgTest {

  private static ParameterSet vec(float... v) {
    return ParameterSet.builder().add("t", new int[] {v.length}, v).build();
  }

  private static Reply reply(String id, long n, float... v) {
    Instruction in = Instruction.fit(1, id, vec(new float[v.length]), Map.of());
    return Reply.ok(in, vec(v), n, Map.of(Reply.LOSS, 1.0));
  }

  @Test
  void aggregateIsTheSampleWeightedAverage() {
    ServerState before = ServerState.initial(vec(0, 0));
    // n = 1, 2, 3: ((1*1 + 2*4 + 3*7) / 6, (1*2 + 2*(-2) + 3*0) / 6) = (5, -1/3)
    List<Reply> replies = List.of(reply("c", 3, 7, 0), reply("a", 1, 1, 2), reply("b", 2, 4, -2));
    ServerState after = new FedAvg().aggregate(1, replies, List.of(), before);
    assertThat(after.round()).isEqualTo(1);
    float[] g = after.global().values("t");
    assertThat(g[0]).isCloseTo(5f, within(1e-6f));
    assertThat(g[1]).isCloseTo(-1f / 3, within(1e-6f));
    assertThat(after.personalized()).isEmpty();
    assertThat(before.global().values("t")).containsExactly(0f, 0f);
  }

  @Test
  void configureRoundSendsGlobalParametersToEverySampledClient() {
    ServerState s = ServerState.initial(vec(1, 2));
    List<Instruction> ins = new FedAvg(Map.of("epochs", 2)).configureRound(3, s, List.of("a", "b"));
    assertThat(ins).extracting(Instruction::clientId).containsExactly("a", "b");
    assertThat(ins).allSatisfy(i -> assertThat(i.parameters()).isEqualTo(s.global()));
    assertThat(ins).allSatisfy(i -> assertThat(i.config()).containsEntry("epochs", 2));
    assertThat(ins).allSatisfy(i -> assertThat(i.round()).isEqualTo(3));
  }

  @Test
  void fedProxPassesMuAndAggregatesLikeFedAvg() {
    ServerState s = ServerState.initial(vec(1, 2));
    FedProx prox = new FedProx(0.01);
    List<Instruction> ins = prox.configureRound(1, s, List.of("a"));
    assertThat(ins.get(0).configDouble(FedProx.MU_KEY, -1)).isEqualTo(0.01);
    List<Reply> replies = List.of(reply("a", 1, 1, 2), reply("b", 3, 5, 6));
    assertThat(prox.aggregate(1, replies, List.of(), s).global())
        .isEqualTo(new FedAvg().aggregate(1, replies, List.of(), s).global());
  }

  @Test
  void proximalTermAndGradientByHand() {
    float[] w = {1, 2, 3};
    float[] anchor = {0, 2, 5};
    // mu/2 * (1 + 0 + 4) with mu = 0.5
    assertThat(Proximal.term(w, anchor, 0.5)).isEqualTo(1.25);
    float[] grad = {10, 10, 10};
    Proximal.addGradient(grad, w, anchor, 0.5);
    assertThat(grad).containsExactly(10.5f, 10f, 9f);
  }
}
