/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import io.persona4j.federated.strategy.FedProx;
import io.persona4j.federated.strategy.Proximal;
import java.util.Map;
import java.util.Random;

/**
 * Synthetic client: local objective {@code f(w) = curvature/2 ||w - center||^2} over the flattened
 * parameters, trained with {@code steps} (noisy) gradient steps; deterministic given the round.
 */
final class QuadraticClient implements ClientApp {

  final String id;
  final float[] center;
  final double curvature;
  final long numExamples;
  final int steps;
  final double lr;
  final double noise;

  QuadraticClient(
      String id,
      float[] center,
      double curvature,
      long numExamples,
      int steps,
      double lr,
      double noise) {
    this.id = id;
    this.center = center.clone();
    this.curvature = curvature;
    this.numExamples = numExamples;
    this.steps = steps;
    this.lr = lr;
    this.noise = noise;
  }

  /** The layout used by the tests: "w" [2,3] and "b" [2]. */
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
    float[] anchor = in.parameters().flatten();
    float[] w = anchor.clone();
    double mu = in.configDouble(FedProx.MU_KEY, 0);
    Random rnd = new Random(id.hashCode() * 31L + in.round());
    for (int s = 0; s < steps; s++) {
      float[] g = new float[w.length];
      for (int i = 0; i < w.length; i++) {
        g[i] = (float) (curvature * (w[i] - center[i]) + noise * rnd.nextGaussian());
      }
      Proximal.addGradient(g, w, anchor, mu);
      for (int i = 0; i < w.length; i++) {
        w[i] -= (float) (lr * g[i]);
      }
    }
    return Reply.ok(
        in, in.parameters().withFlatValues(w), numExamples, Map.of(Reply.LOSS, loss(w)));
  }

  @Override
  public Reply evaluate(Instruction in) {
    return Reply.ok(
        in, ParameterSet.empty(), numExamples, Map.of(Reply.LOSS, loss(in.parameters().flatten())));
  }
}
