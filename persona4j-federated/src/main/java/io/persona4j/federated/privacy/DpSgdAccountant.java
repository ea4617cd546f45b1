/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.privacy.dp.PrivacySpent;
import io.persona4j.privacy.dp.RdpAccountant;

/**
 * The privacy spent by one client's DP-SGD steps, over all its rounds: RDP of the
 * Poisson-subsampled Gaussian mechanism ({@link RdpAccountant}, default orders, Balle et al. 2020
 * conversion) composed over steps, and the budget check.
 *
 * <p>All steps share one sampling rate {@code q} and noise multiplier, so the RDP of one step is
 * computed once and the RDP of t steps is t times it. Not thread-safe; one per client.
 */
public final class DpSgdAccountant {
  private final double q;
  private final double noiseMultiplier;
  private final double delta;
  private final double budget;
  private final double[] orders = RdpAccountant.DEFAULT_ORDERS.clone();
  private final double[] perStep;
  private long steps;

  /**
   * @param q the sampling rate B / N, in (0, 1]
   * @param noiseMultiplier sigma, >= 0
   * @param delta the delta, in (0, 1)
   * @param epsilonBudget the budget, > 0 (infinite for none)
   */
  public DpSgdAccountant(double q, double noiseMultiplier, double delta, double epsilonBudget) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("sampling rate q must be in (0, 1], got " + q);
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (!(epsilonBudget > 0)) {
      throw new IllegalArgumentException("epsilonBudget must be > 0, got " + epsilonBudget);
    }
    this.q = q;
    this.noiseMultiplier = noiseMultiplier;
    this.delta = delta;
    this.budget = epsilonBudget;
    this.perStep = RdpAccountant.rdp(q, noiseMultiplier, 1, orders);
  }

  /** The accountant of {@code config} for a client holding {@code examples} examples. */
  public static DpSgdAccountant of(DpSgdConfig config, int examples) {
    if (config.batchSize() > examples) {
      throw new IllegalArgumentException(
          "dp_sgd batchSize "
              + config.batchSize()
              + " exceeds the client's "
              + examples
              + " examples");
    }
    return new DpSgdAccountant(
        (double) config.batchSize() / examples,
        config.noiseMultiplier(),
        config.delta(),
        config.epsilonBudget());
  }

  /** The sampling rate q. */
  public double samplingRate() {
    return q;
  }

  /** The noise multiplier. */
  public double noiseMultiplier() {
    return noiseMultiplier;
  }

  /** The delta. */
  public double delta() {
    return delta;
  }

  /** The epsilon budget. */
  public double budget() {
    return budget;
  }

  /** Steps recorded so far. */
  public long steps() {
    return steps;
  }

  /** Epsilon spent by the recorded steps (0 before the first). */
  public double epsilon() {
    return epsilonAfter(steps);
  }

  /** Epsilon after {@code totalSteps} steps in all (infinite when sigma is 0). */
  public double epsilonAfter(long totalSteps) {
    if (totalSteps == 0) {
      return 0;
    }
    double[] rdp = new double[orders.length];
    for (int i = 0; i < rdp.length; i++) {
      rdp[i] = perStep[i] * totalSteps;
    }
    PrivacySpent s =
        RdpAccountant.privacySpent(orders, rdp, delta, RdpAccountant.Conversion.BALLE_2020);
    return s.epsilon();
  }

  /** Whether one more step keeps epsilon within the budget. */
  public boolean allowsAnotherStep() {
    return Double.isInfinite(budget) || epsilonAfter(steps + 1) <= budget;
  }

  /** Records one step. */
  public void recordStep() {
    steps++;
  }
}
