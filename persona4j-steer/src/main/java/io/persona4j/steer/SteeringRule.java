/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.Objects;

/**
 * How the cloud's log-policy {@code pi_ref} and the device's delta {@code Delta =
 * log_softmax(z_ctx) - log_softmax(z_noctx)} become the steered log-policy, in float32 over the
 * last axis (the vocabulary). Arrays of any leading shape are accepted ({@code [V]}, {@code [B, T,
 * V]}); the result is on {@code piRef}'s manager.
 */
public sealed interface SteeringRule permits SteeringRule.Iterative, SteeringRule.ClosedForm {

  /**
   * @param piRef cloud log-probabilities {@code [..., V]}
   * @param delta device delta {@code [..., V]}
   * @return steered log-probabilities {@code [..., V]}
   */
  NDArray apply(NDArray piRef, NDArray delta);

  /** A short description for logs and reports. */
  String describe();

  /** The method: T iterations of the FTRL update over the vocabulary (the authors' optimizer). */
  static SteeringRule iterative(SteerParams params) {
    return new Iterative(params);
  }

  /** The fast path: {@code log_softmax(pi_ref + c Delta)} with c from {@code params}. */
  static SteeringRule closedForm(SteerParams params) {
    return new ClosedForm(params.closedFormCoefficient());
  }

  /** A fixed coefficient (c = 1 is proxy-tuning's logit arithmetic). */
  static SteeringRule fixed(double c) {
    return new ClosedForm(c);
  }

  /**
   * The CoSteer update as {@code costeer/optimizer.py} runs it: {@code pi_0 = pi_ref}; for t =
   * 1..T: {@code U = a (pi_{t-1} - pi_ref) + b Delta}, {@code cum += U}, {@code pi_t =
   * log_softmax((t lambda pi_ref + cum + pi_{t-1} / eta) / (t lambda + 1/eta))}.
   */
  record Iterative(SteerParams params) implements SteeringRule {
    public Iterative {
      Objects.requireNonNull(params, "params");
    }

    @Override
    public NDArray apply(NDArray piRef, NDArray delta) {
      checkShapes(piRef, delta);
      NDArray out;
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        float a = (float) params.alpha();
        float b = (float) params.beta();
        float invEta = (float) (1 / params.eta());
        NDArray bDelta = delta.mul(b); // [..., V]
        NDArray player = piRef; // [..., V]
        NDArray cum = piRef.zerosLike(); // [..., V]
        for (int t = 1; t <= params.iterations(); t++) {
          NDArray utility = player.sub(piRef).mul(a).add(bDelta); // [..., V]
          cum = cum.add(utility);
          float tl = (float) (t * params.lambda());
          NDArray num = piRef.mul(tl).add(cum).add(player.mul(invEta)); // [..., V]
          player = num.div(tl + invEta).logSoftmax(-1); // [..., V]
        }
        out = player == piRef ? piRef.duplicate() : player;
        NDScope.unregister(out);
      }
      return out;
    }

    @Override
    public String describe() {
      SteerParams p = params;
      return "iterative(T=%d, alpha=%s, beta=%s, lambda=%s, eta=%s)"
          .formatted(p.iterations(), p.alpha(), p.beta(), p.lambda(), p.eta());
    }
  }

  /** {@code log_softmax(pi_ref + c Delta)}. */
  record ClosedForm(double c) implements SteeringRule {
    public ClosedForm {
      if (!Double.isFinite(c)) {
        throw new IllegalArgumentException("c must be finite, got " + c);
      }
    }

    @Override
    public NDArray apply(NDArray piRef, NDArray delta) {
      checkShapes(piRef, delta);
      NDArray out;
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        out = piRef.add(delta.mul((float) c)).logSoftmax(-1); // [..., V]
        NDScope.unregister(out);
      }
      return out;
    }

    @Override
    public String describe() {
      return "closed form (c=%.6f)".formatted(c);
    }
  }

  private static void checkShapes(NDArray piRef, NDArray delta) {
    if (!piRef.getShape().equals(delta.getShape())) {
      throw new IllegalArgumentException(
          "pi_ref " + piRef.getShape() + " and delta " + delta.getShape() + " differ in shape");
    }
  }
}
