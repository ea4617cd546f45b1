/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.TensorSpec;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The key invariant of split learning: N split steps give the same losses and the same adapter
 * (client part and server part) as N steps of ordinary LoRA training with the same seed, data order
 * and optimizer.
 */
class SplitEquivalenceTest {
  private static final int STEPS = 6;

  /** The tensors of {@code set} on layers the client owns ({@code client}) or the server owns. */
  static ParameterSet part(ParameterSet set, SplitConfig split, boolean client) {
    ParameterSet.Builder b = ParameterSet.builder();
    for (TensorSpec s : set.specs()) {
      if (split.clientOwns(SplitParameters.layerOf(s.name())) == client) {
        b.add(s, set.values(s.name()));
      }
    }
    return b.build();
  }

  static double maxAbsDiff(ParameterSet a, ParameterSet b) {
    assertThat(a.names()).isEqualTo(b.names());
    float[] x = a.flatten();
    float[] y = b.flatten();
    double d = 0;
    for (int i = 0; i < x.length; i++) {
      d = Math.max(d, Math.abs(x[i] - y[i]));
    }
    return d;
  }

  @ParameterizedTest(name = "k={0}, tail={1}, shuffle={2}")
  @CsvSource({"1, 1, true", "2, 0, false", "0, 0, true"})
  void splitStepsEqualOrdinaryLoraSteps(int k, int tail, boolean shuffle) throws Exception {
    SplitFixture.Reference ref = SplitFixture.reference(STEPS, shuffle);
    SplitConfig split = new SplitConfig(4, k, tail);
    try (SplitRig rig = new SplitRig(split, shuffle)) {
      assertThat(maxAbsDiff(rig.clientPart(), part(ref.initial(), split, true))).isZero();
      List<SplitStepResult> steps = rig.server.train(STEPS);
      assertThat(steps).hasSize(STEPS);
      for (int i = 0; i < STEPS; i++) {
        assertThat(steps.get(i).step()).isEqualTo(i + 1);
        assertThat(steps.get(i).loss())
            .as("loss of step %d", i + 1)
            .isCloseTo(ref.losses()[i], within(1e-5));
      }
      assertThat(ref.losses()[STEPS - 1])
          .as("training reduces the loss")
          .isLessThan(ref.losses()[0]);
      ParameterSet client = rig.clientPart();
      ParameterSet refClient = part(ref.adapter(), split, true);
      assertThat(maxAbsDiff(client, refClient)).as("client adapter part").isLessThan(1e-5);
      assertThat(maxAbsDiff(client, part(ref.initial(), split, true)))
          .as("the client's tensors trained")
          .isGreaterThan(1e-3);
      if (split.isSplit()) {
        ParameterSet server = rig.serverPart();
        assertThat(server.names()).isNotEmpty();
        assertThat(maxAbsDiff(server, part(ref.adapter(), split, false)))
            .as("server adapter part")
            .isLessThan(1e-5);
        assertThat(maxAbsDiff(server, part(ref.initial(), split, false)))
            .as("the server's tensors trained")
            .isGreaterThan(1e-3);
        // each party only trains its own layers: the other party's copy is still the initial one
        assertThat(
                maxAbsDiff(
                    SplitParameters.read(rig.clientLora, SplitFixture.ADAPTER, split, false),
                    part(ref.initial(), split, false)))
            .isZero();
        assertThat(
                maxAbsDiff(
                    SplitParameters.read(rig.serverLora, SplitFixture.ADAPTER, split, true),
                    part(ref.initial(), split, true)))
            .isZero();
      } else {
        assertThat(client.names()).isEqualTo(ref.adapter().names()); // k = 0: all on the client
        assertThat(steps.get(0).activationBytes()).isZero();
      }
      assertThat(rig.client.completedSteps()).isEqualTo(STEPS);
      assertThat(rig.client.state()).isEqualTo(SplitClientApp.State.IDLE);
    }
  }
}
