/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.secfpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecFppStrategyTest {
  static ParameterSet p(float... v) {
    return ParameterSet.builder().add(SecFppWire.PROMPT_GLOBAL, new int[] {v.length}, v).build();
  }

  @Test
  void eachClusterGetsTheMeanOfItsMembersIncludingUnsampledOnes() {
    Map<String, Integer> clusters = Map.of("a", 0, "b", 0, "c", 1, "d", 1, "e", 0);
    SecFppStrategy s = new SecFppStrategy(clusters, Map.of());
    ServerState s0 = ServerState.initial(p(0, 0));
    List<Instruction> ins = s.configureRound(1, s0, List.of("a", "c"));
    assertThat(ins).extracting(i -> i.config().get(SecFppWire.CLUSTER_ID)).containsExactly(0, 1);
    assertThat(ins).allMatch(i -> i.config().get(SecFppWire.PHASE).equals(SecFppWire.TRAIN));
    List<Reply> replies =
        List.of(
            new Reply("a", 1, p(1, 2), 5, Map.of(), null),
            new Reply("b", 1, p(3, 4), 50, Map.of(), null),
            new Reply("c", 1, p(-1, 1), 1, Map.of(), null),
            new Reply("d", 1, p(-3, 3), 1, Map.of(), null));
    ServerState s1 = s.aggregate(1, replies, List.of(), s0);
    // equal weights within a cluster (sample counts are ignored, as under secure aggregation)
    assertThat(s1.parametersFor("a").flatten()).containsExactly(2f, 3f);
    assertThat(s1.parametersFor("e").flatten()).containsExactly(2f, 3f);
    assertThat(s1.parametersFor("c").flatten()).containsExactly(-2f, 2f);
    assertThat(s1.global().flatten()).containsExactly(0f, 0f);
    // next round each client starts from its cluster's P_G
    assertThat(s.configureRound(2, s1, List.of("d")).get(0).parameters().flatten())
        .containsExactly(-2f, 2f);
  }

  @Test
  void unknownClientIsRejectedByName() {
    SecFppStrategy s = new SecFppStrategy(Map.of("a", 0), Map.of());
    assertThatThrownBy(() -> s.configureRound(1, ServerState.initial(p(0)), List.of("zz")))
        .hasMessageContaining("client 'zz' has no cluster");
  }
}
