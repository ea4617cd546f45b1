/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.adapters.lora.LoraConfig;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An adapter with no tensor on the client's front layers (LoRA on layers 1-3 of 4, split at k = 1):
 * the client has nothing to train before the server's layers, checks and drops the front gradient,
 * and its steps still equal ordinary steps (with and without clipping).
 */
class SplitFrontlessTest {
  private static final int STEPS = 4;
  private static final LoraConfig LATER_LAYERS =
      LoraConfig.builder()
          .optR(4)
          .optAlpha(8)
          .optTargetRegex("model\\.layers\\.[123]\\.self_attn\\.(q_proj|v_proj)")
          .build();

  @ParameterizedTest(name = "maxGradNorm={0}")
  @ValueSource(doubles = {0, 0.05})
  void splitStepsWithoutFrontTensorsEqualOrdinarySteps(double maxGradNorm) throws Exception {
    SplitConfig split = new SplitConfig(4, 1, 1);
    SplitFixture.Reference ref =
        SplitFixture.reference(STEPS, true, SplitFixture.data(), maxGradNorm, LATER_LAYERS);
    try (SplitRig rig = new SplitRig(split, split, true, g -> g, maxGradNorm, LATER_LAYERS)) {
      assertThat(rig.clientPart().names())
          .as("the client holds only its tail layer's tensors")
          .allMatch(n -> n.contains("layers.3."))
          .isNotEmpty();
      List<SplitStepResult> steps = rig.server.train(STEPS);
      for (int i = 0; i < STEPS; i++) {
        assertThat(steps.get(i).loss())
            .as("loss of step %d", i + 1)
            .isCloseTo(ref.losses()[i], within(1e-5));
      }
      assertThat(
              SplitEquivalenceTest.maxAbsDiff(
                  rig.clientPart(), SplitEquivalenceTest.part(ref.adapter(), split, true)))
          .isLessThan(1e-5);
      assertThat(
              SplitEquivalenceTest.maxAbsDiff(
                  rig.serverPart(), SplitEquivalenceTest.part(ref.adapter(), split, false)))
          .isLessThan(1e-5);
      assertThat(
              SplitEquivalenceTest.maxAbsDiff(
                  rig.clientPart(), SplitEquivalenceTest.part(ref.initial(), split, true)))
          .as("the client's tail trained")
          .isGreaterThan(1e-4);
      assertThat(rig.client.completedSteps()).isEqualTo(STEPS);
      assertThat(rig.client.state()).isEqualTo(SplitClientApp.State.IDLE);
    }
  }
}
