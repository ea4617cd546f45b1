/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

/**
 * Hyper-parameters of the CoSteer policy update (the paper's defaults: T 20, alpha 2, beta 1,
 * lambda 2, eta 10).
 *
 * @param iterations T, the number of FTRL iterations per token (>= 1)
 * @param alpha weight of the player's own move {@code pi_{t-1} - pi_ref} in the utility
 * @param beta weight of the device's delta in the utility
 * @param lambda regularization towards the cloud policy (> 0)
 * @param eta step size of the proximal term (> 0)
 */
public record SteerParams(int iterations, double alpha, double beta, double lambda, double eta) {

  /** The paper's defaults. */
  public static final SteerParams DEFAULTS = new SteerParams(20, 2, 1, 2, 10);

  /**
   * @throws IllegalArgumentException naming the field and value when out of range
   */
  public SteerParams {
    if (iterations < 1 || iterations > 10_000) {
      throw new IllegalArgumentException("T (iterations) must be in [1, 10000], got " + iterations);
    }
    finite("alpha", alpha);
    finite("beta", beta);
    if (!(lambda > 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda must be > 0 and finite, got " + lambda);
    }
    if (!(eta > 0) || Double.isInfinite(eta)) {
      throw new IllegalArgumentException("eta must be > 0 and finite, got " + eta);
    }
  }

  private static void finite(String name, double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException(name + " must be finite, got " + v);
    }
  }

  /**
   * The coefficient c of the closed form: after T iterations the policy is exactly {@code
   * log_softmax(pi_ref + c * Delta)}.
   *
   * <p>Why: every iterate is {@code pi_t = pi_ref + k_t Delta} up to an additive constant (which
   * log_softmax removes), with {@code k_0 = 0}. The utility is then {@code U_t = (a k_{t-1} + b)
   * Delta + const}, its running sum {@code C_t Delta + const} with {@code C_t = sum_{s <= t} (a
   * k_{s-1} + b)}, and the update's numerator {@code t lambda pi_ref + C_t Delta + (pi_ref +
   * k_{t-1} Delta) / eta} divided by {@code t lambda + 1/eta} keeps pi_ref's coefficient at 1 and
   * gives {@code k_t = (C_t + k_{t-1} / eta) / (t lambda + 1/eta)}. c = k_T depends on (T, alpha,
   * beta, lambda, eta) only: T scalar steps instead of T passes over the vocabulary.
   */
  public double closedFormCoefficient() {
    double k = 0;
    double cum = 0;
    for (int t = 1; t <= iterations; t++) {
      cum += alpha * k + beta;
      k = (cum + k / eta) / (t * lambda + 1 / eta);
    }
    return k;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder with the paper's defaults; every setting is optional. */
  public static final class Builder {
    private int iterations = DEFAULTS.iterations;
    private double alpha = DEFAULTS.alpha;
    private double beta = DEFAULTS.beta;
    private double lambda = DEFAULTS.lambda;
    private double eta = DEFAULTS.eta;

    private Builder() {}

    public Builder optIterations(int t) {
      this.iterations = t;
      return this;
    }

    public Builder optAlpha(double a) {
      this.alpha = a;
      return this;
    }

    public Builder optBeta(double b) {
      this.beta = b;
      return this;
    }

    public Builder optLambda(double l) {
      this.lambda = l;
      return this;
    }

    public Builder optEta(double e) {
      this.eta = e;
      return this;
    }

    public SteerParams build() {
      return new SteerParams(iterations, alpha, beta, lambda, eta);
    }
  }
}
