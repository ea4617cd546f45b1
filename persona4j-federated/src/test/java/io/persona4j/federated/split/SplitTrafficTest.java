/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.lora.LoraParameters;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bytes per split step, as the grid accounts them ({@code RoundResult} stats summed over the
 * stages): the activation and gradient payload is exactly {@code 2 * 4 B T H} bytes each way, plus
 * the mask and a small, exactly known overhead; compared with the LoRA adapter's size.
 */
class SplitTrafficTest {
  private static final int H = 32;

  /** Bytes of one tensor in a parameter set, by hand: UTF length, name, dtype, rank, dims, data. */
  static long tensor(String name, int rank, long elements) {
    return 2 + name.length() + 1 + 4 + 4L * rank + 4 * elements;
  }

  /** Bytes of one config entry as an instruction accounts it. */
  static long entry(String key, Object value) {
    return key.length() + String.valueOf(value).length() + 2;
  }

  static long config(SplitStage stage, int step, SplitConfig split) {
    return entry(SplitProtocol.STAGE, stage.wireName())
        + entry(SplitProtocol.STEP, step)
        + entry(SplitProtocol.FRONT_LAYERS, split.frontLayers())
        + entry(SplitProtocol.TAIL_LAYERS, split.tailLayers());
  }

  @Test
  void bytesPerStepAreTwoHiddenTensorsEachWayPlusAKnownOverhead() throws Exception {
    SplitConfig split = SplitConfig.of(4, 1);
    long set = 12; // magic, version, count
    long loss = Reply.LOSS.length() + 8;
    try (SplitRig rig = new SplitRig(split, true)) {
      List<SplitStepResult> steps = rig.server.train(4);
      boolean sawTwoLengths = false;
      for (SplitStepResult s : steps) {
        long b = s.batch();
        long t = s.length();
        assertThat(b).isEqualTo(SplitFixture.BATCH);
        assertThat(s.hidden()).isEqualTo(H);
        assertThat(t).isBetween(4L, 6L);
        sawTwoLengths |= t != steps.get(0).length();
        long bth = b * t * H;
        long up =
            set
                + tensor(SplitProtocol.HIDDEN_FRONT, 3, bth)
                + tensor(SplitProtocol.ATTENTION_MASK, 2, b * t)
                + set
                + tensor(SplitProtocol.GRAD_MIDDLE, 3, bth)
                + loss
                + set
                + loss;
        long down =
            set
                + config(SplitStage.FRONT_FORWARD, s.step(), split)
                + set
                + tensor(SplitProtocol.HIDDEN_MIDDLE, 3, bth)
                + config(SplitStage.TAIL, s.step(), split)
                + set
                + tensor(SplitProtocol.GRAD_FRONT, 3, bth)
                + config(SplitStage.FRONT_BACKWARD, s.step(), split);
        assertThat(s.bytesUp()).as("bytes up, step %d", s.step()).isEqualTo(up);
        assertThat(s.bytesDown()).as("bytes down, step %d", s.step()).isEqualTo(down);
        // the payload: exactly 2 * B*T*H*4 each way, the rest is the mask and < 400 bytes
        assertThat(s.bytesUp() - 2 * 4 * bth - 4 * b * t).isBetween(1L, 400L);
        assertThat(s.bytesDown() - 2 * 4 * bth).isBetween(1L, 400L);
        assertThat(s.activationBytes()).isEqualTo(4 * 4 * bth);
      }
      assertThat(sawTwoLengths).as("batches of different padded lengths").isTrue();

      // the adapter a LoRA round would send: r=4 on q (32x32) and v (32->16) of 4 layers
      ParameterSet adapter = LoraParameters.read(rig.clientLora, SplitFixture.ADAPTER);
      assertThat(adapter.numElements()).isEqualTo(4 * (4 * 32 + 32 * 4 + 4 * 32 + 16 * 4));
      long adapterRound = 2 * adapter.byteSize(); // down and up once per round
      SplitStepResult first = steps.get(0);
      System.out.printf(
          "split k=1: %d bytes/step (B=%d T=%d H=%d) vs LoRA adapter %d bytes/round (x%.2f)%n",
          first.bytesUp() + first.bytesDown(),
          first.batch(),
          first.length(),
          first.hidden(),
          adapterRound,
          (double) (first.bytesUp() + first.bytesDown()) / adapterRound);
      assertThat(adapter.byteSize()).isGreaterThan(4 * adapter.numElements());
    }
  }

  @Test
  void withoutASplitOnlyTheLossTravels() throws Exception {
    SplitConfig none = SplitConfig.none(4);
    try (SplitRig rig = new SplitRig(none, true)) {
      SplitStepResult s = rig.server.step();
      assertThat(s.bytesUp()).isEqualTo(12 + Reply.LOSS.length() + 8);
      assertThat(s.bytesDown()).isEqualTo(12 + config(SplitStage.LOCAL, 1, none));
      assertThat(s.activationBytes()).isZero();
    }
  }
}
