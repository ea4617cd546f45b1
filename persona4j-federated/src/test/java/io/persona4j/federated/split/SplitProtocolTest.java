/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.train.Autograd;
import io.persona4j.federated.FederatedRunException;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Configuration checks and the client's state machine. */
class SplitProtocolTest {

  @Test
  void badSplitsAreRejectedNamingFieldAndValue() {
    assertThatThrownBy(() -> new SplitConfig(4, 3, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("frontLayers (k) 3")
        .hasMessageContaining("tailLayers 1")
        .hasMessageContaining("numLayers 4");
    assertThatThrownBy(() -> new SplitConfig(4, 4, 1)).hasMessageContaining("frontLayers (k) 4");
    assertThatThrownBy(() -> new SplitConfig(4, -1, 1))
        .hasMessage("frontLayers (k) must be >= 0, got -1");
    assertThatThrownBy(() -> new SplitConfig(4, 1, -2))
        .hasMessage("tailLayers must be >= 0, got -2");
    assertThatThrownBy(() -> new SplitConfig(0, 0, 0)).hasMessage("numLayers must be >= 1, got 0");
    SplitConfig ok = new SplitConfig(4, 2, 1);
    assertThat(ok.serverFrom()).isEqualTo(2);
    assertThat(ok.serverTo()).isEqualTo(3);
    assertThat(ok.clientOwns(0)).isTrue();
    assertThat(ok.clientOwns(2)).isFalse();
    assertThat(ok.clientOwns(3)).isTrue();
    assertThat(SplitConfig.none(4).isSplit()).isFalse();
    assertThat(SplitConfig.of(4, 1)).isEqualTo(new SplitConfig(4, 1, 1));
    assertThatThrownBy(() -> SplitStage.parse("middle"))
        .hasMessageContaining("'middle'")
        .hasMessageContaining("front_forward");
    assertThat(SplitParameters.layerOf("base_model.model.model.layers.12.self_attn.q_proj"))
        .isEqualTo(12);
    assertThatThrownBy(() -> SplitParameters.layerOf("model.norm.weight"))
        .hasMessageContaining("model.norm.weight");
  }

  private static Instruction stage(SplitStage s, int step, SplitConfig split, ParameterSet p) {
    return SplitProtocol.instruction(s, step, SplitRig.CLIENT, p, split);
  }

  @Test
  void outOfOrderStagesGetAClearErrorReplyAndChangeNothing() throws Exception {
    SplitConfig split = SplitConfig.of(4, 1);
    try (SplitRig rig = new SplitRig(split, false)) {
      SplitClientApp c = rig.client;
      ParameterSet none = ParameterSet.empty();
      Reply r = c.fit(stage(SplitStage.TAIL, 1, split, none));
      assertThat(r.isError()).isTrue();
      assertThat(r.error())
          .contains("'tail'")
          .contains("out of order")
          .contains("IDLE")
          .contains("expects 'front_forward'");
      assertThat(c.state()).isEqualTo(SplitClientApp.State.IDLE);
      assertThat(c.fit(stage(SplitStage.FRONT_FORWARD, 2, split, none)).error())
          .contains("names step 2")
          .contains("at step 1");
      assertThat(c.fit(stage(SplitStage.LOCAL, 1, split, none)).error()).contains("needs k = 0");
      assertThat(c.fit(stage(SplitStage.FRONT_FORWARD, 1, SplitConfig.of(4, 2), none)).error())
          .contains(SplitProtocol.FRONT_LAYERS)
          .contains("2 != this client's k 1");
      Instruction noStage = Instruction.fit(1, SplitRig.CLIENT, none, Map.of());
      assertThat(c.fit(noStage).error()).contains(SplitProtocol.STAGE);

      Reply front = c.fit(stage(SplitStage.FRONT_FORWARD, 1, split, none));
      assertThat(front.isError()).isFalse();
      assertThat(c.state()).isEqualTo(SplitClientApp.State.AWAITING_MIDDLE);
      assertThat(c.fit(stage(SplitStage.FRONT_FORWARD, 1, split, none)).error())
          .contains("AWAITING_MIDDLE in step 1")
          .contains("expects 'tail'");
      assertThat(c.fit(stage(SplitStage.FRONT_BACKWARD, 1, split, none)).error())
          .contains("out of order");
      // a malformed middle output is refused naming the tensor; the step stays pending
      ParameterSet wrong =
          ParameterSet.builder()
              .add(SplitProtocol.HIDDEN_MIDDLE, new int[] {1, 2, 32}, new float[64])
              .build();
      assertThat(c.fit(stage(SplitStage.TAIL, 1, split, wrong)).error())
          .contains(SplitProtocol.HIDDEN_MIDDLE)
          .contains("[1, 2, 32]");
      assertThat(c.state()).isEqualTo(SplitClientApp.State.AWAITING_MIDDLE);
      assertThat(c.fit(stage(SplitStage.ABORT, 1, split, none)).isError()).isFalse();
      assertThat(c.state()).isEqualTo(SplitClientApp.State.IDLE);
      assertThat(c.completedSteps()).isZero();
      // after the abort the server can run whole steps with this client
      SplitStepResult s = rig.server.step();
      assertThat(s.step()).isEqualTo(1);
      assertThat(c.completedSteps()).isEqualTo(1);
      assertThat(c.evaluate(stage(SplitStage.TAIL, 2, split, none)).isError()).isTrue();
    }
  }

  @Test
  void aDivergedLossIsAnErrorReplyNotAnException() throws Exception {
    SplitConfig split = SplitConfig.of(4, 1);
    try (SplitRig rig = new SplitRig(split, false)) {
      SplitClientApp c = rig.client;
      ParameterSet none = ParameterSet.empty();
      // a diverged tail: the client's LoRA on its last layer holds NaN
      try (Autograd.NoGrad ignored = Autograd.noGrad()) {
        rig.clientLora.adapterTensors(SplitFixture.ADAPTER).entrySet().stream()
            .filter(e -> e.getKey().contains("layers.3."))
            .forEach(e -> e.getValue().muli(Float.NaN));
      }
      ParameterSet hidden = c.fit(stage(SplitStage.FRONT_FORWARD, 1, split, none)).parameters();
      int[] shape =
          hidden.spec(SplitProtocol.HIDDEN_FRONT).shape().stream().mapToInt(i -> i).toArray();
      ParameterSet middle =
          ParameterSet.builder()
              .add(SplitProtocol.HIDDEN_MIDDLE, shape, hidden.values(SplitProtocol.HIDDEN_FRONT))
              .build();
      Reply r = c.fit(stage(SplitStage.TAIL, 1, split, middle));
      assertThat(r.isError()).isTrue();
      assertThat(r.error()).contains("split stage 'tail'").contains("step 1: loss NaN");
      assertThat(c.state()).isEqualTo(SplitClientApp.State.AWAITING_MIDDLE);
      assertThat(c.fit(stage(SplitStage.ABORT, 1, split, none)).isError()).isFalse();
      assertThat(c.completedSteps()).isZero();
    }
  }

  @Test
  void aServerWithAnotherSplitFailsTheStepAndSaysWhy() throws Exception {
    try (SplitRig rig = new SplitRig(SplitConfig.of(4, 2), SplitConfig.of(4, 1), false, g -> g)) {
      assertThatThrownBy(() -> rig.server.step())
          .isInstanceOf(FederatedRunException.class)
          .hasMessageContaining("split step 1")
          .hasMessageContaining("'front_forward'")
          .hasMessageContaining("this client's k 2");
      assertThat(rig.client.state()).isEqualTo(SplitClientApp.State.IDLE);
      assertThat(rig.server.completedSteps()).isZero();
    }
  }
}
