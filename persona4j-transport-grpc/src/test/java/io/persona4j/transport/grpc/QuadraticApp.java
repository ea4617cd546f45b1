/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.Map;
import java.util.Random;

/**
 * Test client (same idea as the federated module's QuadraticClient): {@code f(w) = curvature/2 ||w
 * - center||^2}, a few noisy gradient steps, deterministic given id and round. Remembers the last
 * instruction it received.
 */
final class QuadraticApp implements ClientApp {

  final String id;
  final float[] center;
  final double curvature;
  final long numExamples;
  volatile Instruction lastInstruction;

  QuadraticApp(String id, long seed) {
    Random rnd = new Random(seed);
    this.id = id;
    this.center = new float[8];
    for (int i = 0; i < 8; i++) {
      center[i] = (float) (2 * rnd.nextGaussian());
    }
    this.curvature = 0.5 + 1.5 * rnd.nextDouble();
    this.numExamples = 10 + rnd.nextInt(91);
  }

  /** "w" [2,3] and "b" [2]. */
  static ParameterSet layout(float[] flat8) {
    return ParameterSet.builder()
        .add("w", new int[] {2, 3}, java.util.Arrays.copyOfRange(flat8, 0, 6))
        .add("b", new int[] {2}, java.util.Arrays.copyOfRange(flat8, 6, 8))
        .build();
  }

  double loss(float[] w) {
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      double d = w[i] - center[i];
      s += d * d;
    }
    return 0.5 * curvature * s;
  }

  @Override
  public Reply fit(Instruction in) {
    lastInstruction = in;
    float[] w = in.parameters().flatten();
    Random rnd = new Random(id.hashCode() * 31L + in.round());
    double lr = in.configDouble("lr", 0.1);
    for (int s = 0; s < 3; s++) {
      for (int i = 0; i < w.length; i++) {
        double g = curvature * (w[i] - center[i]) + 0.01 * rnd.nextGaussian();
        w[i] -= (float) (lr * g);
      }
    }
    return Reply.ok(
        in, in.parameters().withFlatValues(w), numExamples, Map.of(Reply.LOSS, loss(w)));
  }

  @Override
  public Reply evaluate(Instruction in) {
    lastInstruction = in;
    return Reply.ok(
        in, ParameterSet.empty(), numExamples, Map.of(Reply.LOSS, loss(in.parameters().flatten())));
  }
}
