/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.StepMetrics;
import io.persona4j.core.train.TrainingContext;
import io.persona4j.core.train.TrainingListener;
import io.persona4j.rec.llara.RecMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Checkpoint selection on validation data by the iLoRA/LLaRA rule: at {@code checks} evenly spaced
 * steps (the last one included) the model is evaluated on the validation samples and the parameters
 * of the best check are kept in host memory; {@link #restoreBest()} copies them back in place after
 * training. The score is validation HR x ValidRatio of free generation (= correct / total, {@link
 * RecMetrics#hitRatio()}), the paper's rule; ties at a positive score go to the higher
 * constrained-decoding HR@1, then to the later check.
 *
 * <p><b>When the rule is undefined.</b> Where free generation never names the target at a check
 * (score 0, e.g. ValidRatio 0 because the model does not copy titles), the rule has nothing to say
 * about it; a check at 0 never beats an earlier one with a positive score, and among checks at 0
 * the later one wins. So if every check scores 0 the final weights are tested: every method is then
 * tested after the same number of steps, instead of at a step picked by a tie-breaker that differs
 * between checks by a few validation users (which confounded method comparisons with training
 * length). Only validation data is read.
 */
public final class CheckpointSelector implements TrainingListener {
  /** One validation check. */
  public record Check(long step, RecMetrics generation, RecMetrics constrained) {
    public double score() {
      return generation.hitRatio();
    }

    boolean beats(Check o) {
      if (score() != o.score()) {
        return score() > o.score();
      }
      if (score() == 0) {
        return step > o.step;
      }
      if (constrained.hitRatio() != o.constrained.hitRatio()) {
        return constrained.hitRatio() > o.constrained.hitRatio();
      }
      return step > o.step;
    }
  }

  /** What the validation evaluation returns: free generation and constrained decoding. */
  record Validation(RecMetrics generation, RecMetrics constrained) {}

  private final Map<String, NDArray> params;
  private final List<Long> at;
  private final Supplier<Validation> validate;
  private final List<Check> checks = new ArrayList<>();
  private Check best;
  private Map<String, float[]> bestValues;

  /**
   * @param params the trained parameters (copied at each improving check, restored in place)
   * @param steps training steps
   * @param count number of checks (>= 1), evenly spaced, the last at {@code steps}
   * @param validate evaluates the current model on the validation samples (inference mode is the
   *     caller's job)
   */
  CheckpointSelector(
      Map<String, NDArray> params, long steps, int count, Supplier<Validation> validate) {
    this.params = Objects.requireNonNull(params, "params");
    this.validate = Objects.requireNonNull(validate, "validate");
    this.at = checkSteps(steps, count);
  }

  /** {@code count} evenly spaced steps in 1..steps, the last {@code steps}, without repeats. */
  static List<Long> checkSteps(long steps, int count) {
    if (count < 1 || steps < 1) {
      throw new IllegalArgumentException(
          "need >= 1 check and >= 1 step, got " + count + " checks of " + steps + " steps");
    }
    List<Long> out = new ArrayList<>();
    for (int k = 1; k <= count; k++) {
      long s = Math.max(1, Math.round((double) k * steps / count));
      if (out.isEmpty() || out.get(out.size() - 1) != s) {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }

  @Override
  public void onStep(TrainingContext context, StepMetrics metrics) {
    long step = context.step();
    if (!at.contains(step)) {
      return;
    }
    Validation v = validate.get();
    Check c = new Check(step, v.generation(), v.constrained());
    checks.add(c);
    if (best == null || c.beats(best)) {
      best = c;
      Map<String, float[]> values = new LinkedHashMap<>();
      params.forEach((name, p) -> values.put(name, p.toFloatArray()));
      bestValues = values;
    }
  }

  /** Every check so far, in step order. */
  List<Check> checks() {
    return List.copyOf(checks);
  }

  /** The selected check. */
  Check best() {
    if (best == null) {
      throw new IllegalStateException("no validation check ran");
    }
    return best;
  }

  /** Copies the selected check's parameters back into the parameters, in place. */
  void restoreBest() {
    best();
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        NDArray p = e.getValue();
        try (NDManager scope = p.getManager().newSubManager()) {
          p.set(new NDIndex("..."), scope.create(bestValues.get(e.getKey()), p.getShape()));
        }
      }
    }
  }
}
