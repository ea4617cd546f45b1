/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import static io.persona4j.federated.split.SplitEquivalenceTest.maxAbsDiff;
import static io.persona4j.federated.split.SplitEquivalenceTest.part;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Global-norm clipping across both parties: N clipped split steps equal N steps of core's Trainer
 * with {@code optMaxGradNorm(C)}, and the extra {@code clip_step} stage keeps the state machine.
 */
class SplitClippingTest {
  private static final int STEPS = 6;

  /** Small enough that every step of the reference run clips (asserted below). */
  private static final double C = 0.05;

  @ParameterizedTest(name = "k={0}, tail={1}, shuffle={2}")
  @CsvSource({"1, 1, true", "2, 0, false", "0, 0, true"})
  void clippedSplitStepsEqualClippedTrainerSteps(int k, int tail, boolean shuffle)
      throws Exception {
    SplitFixture.Reference ref = SplitFixture.reference(STEPS, shuffle, SplitFixture.data(), C);
    SplitFixture.Reference unclipped = SplitFixture.reference(STEPS, shuffle);
    for (int i = 0; i < STEPS; i++) {
      assertThat(ref.gradNorms()[i]).as("norm of step %d exceeds C", i + 1).isGreaterThan(2 * C);
    }
    SplitConfig split = new SplitConfig(4, k, tail);
    TappedGrid[] tap = new TappedGrid[1];
    try (SplitRig rig =
        new SplitRig(
            split,
            split,
            shuffle,
            g -> {
              tap[0] = new TappedGrid(g);
              return tap[0];
            },
            C)) {
      for (int i = 0; i < STEPS; i++) {
        SplitStepResult s = rig.server.step();
        assertThat(s.loss()).as("loss of step %d", i + 1).isCloseTo(ref.losses()[i], within(1e-5));
        if (split.isSplit()) {
          assertThat(rig.server.lastGradientNorm())
              .as("global norm of step %d", i + 1)
              .isCloseTo(ref.gradNorms()[i], within(1e-5 * ref.gradNorms()[i]));
        } else {
          assertThat(rig.server.lastGradientNorm()).isNaN();
        }
      }
      ParameterSet client = rig.clientPart();
      assertThat(maxAbsDiff(client, part(ref.adapter(), split, true)))
          .as("client adapter part")
          .isLessThan(1e-5);
      double clippedVsUnclipped = maxAbsDiff(client, part(unclipped.adapter(), split, true));
      assertThat(clippedVsUnclipped).as("clipping changed the training").isGreaterThan(1e-4);
      if (split.isSplit()) {
        assertThat(maxAbsDiff(rig.serverPart(), part(ref.adapter(), split, false)))
            .as("server adapter part")
            .isLessThan(1e-5);
        List<String> stages = new ArrayList<>();
        for (Instruction in : tap[0].sent) {
          stages.add((String) in.config().get(SplitProtocol.STAGE));
        }
        assertThat(stages)
            .as("one clip_step per step, after front_backward")
            .containsExactlyElementsOf(
                java.util.Collections.nCopies(
                        STEPS, List.of("front_forward", "tail", "front_backward", "clip_step"))
                    .stream()
                    .flatMap(List::stream)
                    .toList());
        double scale = (Double) tap[0].sent.get(3).config().get(SplitProtocol.CLIP_SCALE);
        assertThat(scale).isCloseTo(C / (ref.gradNorms()[0] + 1e-6), within(1e-6));
        Double sq = tap[0].received.get(2).metrics().get(SplitProtocol.GRAD_SQUARED_NORM);
        assertThat(sq).isPositive().isLessThan(ref.gradNorms()[0] * ref.gradNorms()[0]);
      }
      assertThat(rig.client.completedSteps()).isEqualTo(STEPS);
      assertThat(rig.client.state()).isEqualTo(SplitClientApp.State.IDLE);
    }
  }

  private static Instruction stage(SplitStage s, SplitConfig split, ParameterSet p) {
    return SplitProtocol.instruction(s, 1, SplitRig.CLIENT, p, split);
  }

  @Test
  void clipStageOutOfOrderOrMalformedIsRejectedAndAbortDropsTheDeferredUpdate() throws Exception {
    SplitConfig split = SplitConfig.of(4, 1);
    ParameterSet none = ParameterSet.empty();
    try (SplitRig plain = new SplitRig(split, false)) {
      assertThat(plain.client.fit(SplitProtocol.clipInstruction(1, SplitRig.CLIENT, split, 1)))
          .extracting(Reply::error)
          .asString()
          .contains("'clip_step' needs clipping");
    }
    try (SplitRig rig = new SplitRig(split, split, false, g -> g, C)) {
      SplitClientApp c = rig.client;
      ParameterSet initial = rig.clientPart();
      Reply early = c.fit(SplitProtocol.clipInstruction(1, SplitRig.CLIENT, split, 0.5));
      assertThat(early.error())
          .contains("'clip_step'")
          .contains("out of order")
          .contains("IDLE")
          .contains("expects 'front_forward'");
      Reply front = c.fit(stage(SplitStage.FRONT_FORWARD, split, none));
      assertThat(front.isError()).isFalse();
      float[] hidden = front.parameters().values(SplitProtocol.HIDDEN_FRONT);
      int[] dims =
          front.parameters().spec(SplitProtocol.HIDDEN_FRONT).shape().stream()
              .mapToInt(Integer::intValue)
              .toArray();
      assertThat(c.fit(SplitProtocol.clipInstruction(1, SplitRig.CLIENT, split, 0.5)).error())
          .contains("AWAITING_MIDDLE in step 1")
          .contains("expects 'tail'");
      ParameterSet middle =
          ParameterSet.builder().add(SplitProtocol.HIDDEN_MIDDLE, dims, hidden).build();
      Reply tail = c.fit(stage(SplitStage.TAIL, split, middle));
      assertThat(tail.isError()).isFalse();
      ParameterSet gradFront =
          ParameterSet.builder()
              .add(SplitProtocol.GRAD_FRONT, dims, new float[hidden.length])
              .build();
      Reply back = c.fit(stage(SplitStage.FRONT_BACKWARD, split, gradFront));
      assertThat(back.isError()).isFalse();
      assertThat(back.metrics().get(SplitProtocol.GRAD_SQUARED_NORM))
          .as("the tail's gradient counts")
          .isPositive();
      assertThat(c.state()).isEqualTo(SplitClientApp.State.AWAITING_CLIP);
      assertThat(maxAbsDiff(rig.clientPart(), initial)).as("updates wait for clip_step").isZero();
      assertThat(c.fit(stage(SplitStage.FRONT_FORWARD, split, none)).error())
          .contains("AWAITING_CLIP in step 1")
          .contains("expects 'clip_step'");
      assertThat(c.fit(SplitProtocol.clipInstruction(1, SplitRig.CLIENT, split, 1.5)).error())
          .contains(SplitProtocol.CLIP_SCALE)
          .contains("1.5");
      Map<String, Object> noScale =
          new java.util.HashMap<>(stage(SplitStage.CLIP_STEP, split, none).config());
      assertThat(c.fit(Instruction.fit(1, SplitRig.CLIENT, none, noScale)).error())
          .contains(SplitProtocol.CLIP_SCALE);
      assertThat(c.state()).isEqualTo(SplitClientApp.State.AWAITING_CLIP);
      assertThat(c.fit(stage(SplitStage.ABORT, split, none)).isError()).isFalse();
      assertThat(c.state()).isEqualTo(SplitClientApp.State.IDLE);
      assertThat(c.completedSteps()).isZero();
      assertThat(maxAbsDiff(rig.clientPart(), initial)).as("abort updated nothing").isZero();
      // after the abort the server runs whole clipped steps with this client
      assertThat(rig.server.step().step()).isEqualTo(1);
      assertThat(c.completedSteps()).isEqualTo(1);
      assertThat(rig.server.lastGradientNorm()).isGreaterThan(C);
      assertThat(maxAbsDiff(rig.clientPart(), initial)).isGreaterThan(0);
    }
  }
}
