/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.persona4j.core.TensorRuntime;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the split-learning messages as both parties decode them: an
 * instruction's stage, step, split, clip scale and evaluation batch from any config (keys from the
 * protocol's, values of any type), and a tensor message checked against the shape the receiver
 * expects ({@link SplitProtocol#array}). Only {@link IllegalArgumentException} may come out, and a
 * decoded value must be in its documented range.
 */
class SplitMessagesFuzzTest {

  private static final NDManager MANAGER = TensorRuntime.newManager();
  private static final String[] KEYS = {
    SplitProtocol.STAGE,
    SplitProtocol.STEP,
    SplitProtocol.FRONT_LAYERS,
    SplitProtocol.TAIL_LAYERS,
    SplitProtocol.CLIP_SCALE,
    SplitProtocol.EVAL_BATCH,
    "other"
  };

  @AfterAll
  static void close() {
    MANAGER.close();
  }

  private static Object value(FuzzedDataProvider d) {
    return switch (d.consumeInt(0, 5)) {
      case 0 -> d.consumeString(16);
      case 1 -> d.consumeInt();
      case 2 -> d.consumeLong();
      case 3 -> d.consumeDouble();
      case 4 -> d.consumeFloat();
      default -> d.consumeBoolean();
    };
  }

  @FuzzTest(maxDuration = "120s")
  void anyInstructionOrTensorMessageDecodesOrIsRejected(FuzzedDataProvider d) {
    Map<String, Object> config = new HashMap<>();
    int entries = d.consumeInt(0, 7);
    for (int i = 0; i < entries; i++) {
      config.put(d.pickValue(KEYS), value(d));
    }
    if (d.consumeBoolean()) {
      config.put(SplitProtocol.STAGE, d.pickValue(SplitStage.values()).wireName());
    }
    int round = d.consumeInt(1, 5);
    Instruction in = Instruction.fit(round, "c", ParameterSet.empty(), config);
    try {
      SplitProtocol.stageOf(in);
    } catch (IllegalArgumentException expected) {
      // unknown or missing stage
    }
    try {
      if (SplitProtocol.stepOf(in) != round) {
        throw new IllegalStateException("step differs from the round");
      }
    } catch (IllegalArgumentException expected) {
      // bad step
    }
    try {
      double s = SplitProtocol.clipScaleOf(in);
      if (!(s > 0 && s <= 1)) {
        throw new IllegalStateException("clip scale " + s + " out of (0, 1]");
      }
    } catch (IllegalArgumentException expected) {
      // bad scale
    }
    try {
      if (SplitProtocol.evalBatchOf(in) < -1) {
        throw new IllegalStateException("negative evaluation batch");
      }
    } catch (IllegalArgumentException expected) {
      // bad batch
    }
    SplitProtocol.splitMismatch(in, SplitConfig.of(4, d.consumeInt(0, 2)));

    int rank = d.consumeInt(0, 3);
    int[] shape = new int[rank];
    long n = 1;
    for (int i = 0; i < rank; i++) {
      shape[i] = d.consumeInt(-1, 6);
      n *= Math.max(0, shape[i]);
    }
    float[] v = new float[(int) Math.min(n, 256)];
    for (int i = 0; i < v.length; i++) {
      v[i] = d.consumeFloat();
    }
    ParameterSet set;
    try {
      set =
          ParameterSet.builder()
              .add(d.consumeBoolean() ? SplitProtocol.HIDDEN_FRONT : d.consumeString(8), shape, v)
              .build();
    } catch (IllegalArgumentException expected) {
      return;
    }
    long[] want = new long[d.consumeInt(0, 3)];
    for (int i = 0; i < want.length; i++) {
      want[i] = d.consumeInt(1, 6);
    }
    try {
      NDArray a = SplitProtocol.array(set, SplitProtocol.HIDDEN_FRONT, new Shape(want), MANAGER);
      a.close();
    } catch (IllegalArgumentException expected) {
      // missing, misshapen or not finite
    }
  }
}
