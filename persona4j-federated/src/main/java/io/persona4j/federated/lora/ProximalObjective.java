/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.TrainingObjective;
import java.util.List;

/**
 * FedProx: a training objective plus {@code mu/2 * ||w - w_global||^2}.
 *
 * <p>The trainer divides each micro-batch's loss sum by the step's total target count, so the
 * proximal term is added to each micro-batch's sum multiplied by that batch's target count: over a
 * step, the targets add up to the divisor and the step's loss is the mean task loss plus exactly
 * one proximal term. Constants are arrays on the batch's manager (never Java-number ops, which DJL
 * frees before the backward pass). Evaluation reports the task loss only.
 */
final class ProximalObjective implements TrainingObjective {

  /** A live parameter and its frozen anchor (the global value it started the round from). */
  record Anchor(NDArray parameter, NDArray global) {}

  private final TrainingObjective delegate;
  private final List<Anchor> anchors;
  private final double mu;

  ProximalObjective(TrainingObjective delegate, List<Anchor> anchors, double mu) {
    if (!(mu >= 0) || !Double.isFinite(mu)) {
      throw new IllegalArgumentException("proximal mu must be >= 0, got " + mu);
    }
    this.delegate = delegate;
    this.anchors = List.copyOf(anchors);
    this.mu = mu;
  }

  @Override
  public NDArray lossSum(Batch batch, NDManager m) {
    NDArray loss = delegate.lossSum(batch, m);
    if (mu == 0 || anchors.isEmpty()) {
      return loss;
    }
    NDArray sq = null;
    for (Anchor a : anchors) {
      NDArray d = a.global().sub(a.parameter()); // on the anchor's manager: move it to m
      d.attach(m);
      NDArray s = d.mul(d).sum();
      sq = sq == null ? s : sq.add(s);
    }
    NDArray coef = m.create((float) (mu / 2 * batch.targetCount()));
    return loss.add(sq.mul(coef));
  }

  @Override
  public Evaluation evaluate(Batch batch, NDManager m) {
    return delegate.evaluate(batch, m);
  }

  @Override
  public java.util.Set<String> frozenThisStep() {
    return delegate.frozenThisStep();
  }
}
