/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.Map;

/** Test client whose update is a fixed vector: it replies {@code sent + delta}. */
final class ShiftClient implements ClientApp {
  final float[] delta;
  final long numExamples;

  ShiftClient(float[] delta, long numExamples) {
    this.delta = delta.clone();
    this.numExamples = numExamples;
  }

  @Override
  public Reply fit(Instruction in) {
    float[] x = in.parameters().flatten();
    for (int i = 0; i < x.length; i++) {
      x[i] += delta[i];
    }
    return Reply.ok(in, in.parameters().withFlatValues(x), numExamples, Map.of(Reply.LOSS, 1.0));
  }

  @Override
  public Reply evaluate(Instruction in) {
    return Reply.ok(in, ParameterSet.empty(), numExamples, Map.of(Reply.LOSS, 1.0));
  }

  /** A two-tensor layout ("w" [d-2], "b" [2]) holding {@code flat}. */
  static ParameterSet layout(float[] flat) {
    int d = flat.length;
    return ParameterSet.builder()
        .add("w", new int[] {d - 2}, java.util.Arrays.copyOfRange(flat, 0, d - 2))
        .add("b", new int[] {2}, java.util.Arrays.copyOfRange(flat, d - 2, d))
        .build();
  }
}
