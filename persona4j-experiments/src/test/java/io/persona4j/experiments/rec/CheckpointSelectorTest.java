/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.StepMetrics;
import io.persona4j.core.train.TrainerConfig;
import io.persona4j.core.train.TrainingContext;
import io.persona4j.rec.llara.RecMetrics;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checkpoint selection: where it checks, which check wins, and the restore in place. */
class CheckpointSelectorTest {
  static final class Ctx implements TrainingContext {
    long step;

    @Override
    public long step() {
      return step;
    }

    @Override
    public long maxSteps() {
      return 10;
    }

    @Override
    public TrainerConfig config() {
      return null;
    }

    @Override
    public void requestStop(String reason) {}
  }

  @Test
  void checksAreEvenlySpacedAndEndAtTheLastStep() {
    assertThat(CheckpointSelector.checkSteps(100, 4)).containsExactly(25L, 50L, 75L, 100L);
    assertThat(CheckpointSelector.checkSteps(10, 3)).containsExactly(3L, 7L, 10L);
    assertThat(CheckpointSelector.checkSteps(2, 5)).containsExactly(1L, 2L);
    assertThatThrownBy(() -> CheckpointSelector.checkSteps(10, 0)).hasMessageContaining("check");
  }

  @Test
  void theBestValidationCheckIsRestoredInPlace() {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray w = m.create(new float[] {0, 0});
      // Scripted validations at steps 2, 4, 6, 8, 10 (total 20):
      // HR x VR 0.10 / 0.20 / 0.20 / 0.05 / 0.20, constrained 0.3 / 0.3 / 0.5 / 0.9 / 0.5.
      Deque<CheckpointSelector.Validation> script =
          new ArrayDeque<>(
              List.of(
                  v(2, 0.3), v(4, 0.3),
                  v(4, 0.5), // same score as step 4: the constrained HR breaks the tie
                  v(1, 0.9), // best constrained HR, but the paper's rule ranks by HR x VR first
                  v(4, 0.5))); // a full tie with step 6: the later check wins
      CheckpointSelector s = new CheckpointSelector(Map.of("w", w), 10, 5, script::removeFirst);
      Ctx ctx = new Ctx();
      for (long step = 1; step <= 10; step++) {
        ctx.step = step;
        w.set(new ai.djl.ndarray.index.NDIndex("..."), m.create(new float[] {step, -step}));
        s.onStep(ctx, (StepMetrics) null);
      }
      assertThat(s.checks())
          .extracting(CheckpointSelector.Check::step)
          .containsExactly(2L, 4L, 6L, 8L, 10L);
      assertThat(s.best().step()).isEqualTo(10);
      assertThat(script).isEmpty();

      // Another run whose best is in the middle: the weights of that step come back, in place.
      NDArray u = m.create(new float[] {0, 0});
      Deque<CheckpointSelector.Validation> s2 =
          new ArrayDeque<>(List.of(v(1, 0.1), v(3, 0.1), v(2, 0.9)));
      CheckpointSelector sel = new CheckpointSelector(Map.of("u", u), 6, 3, s2::removeFirst);
      for (long step = 1; step <= 6; step++) {
        ctx.step = step;
        u.set(new ai.djl.ndarray.index.NDIndex("..."), m.create(new float[] {step, 2 * step}));
        sel.onStep(ctx, (StepMetrics) null);
      }
      assertThat(sel.best().step()).isEqualTo(4);
      sel.restoreBest();
      assertThat(u.toFloatArray()).containsExactly(4f, 8f);
    }
  }

  @Test
  void whenEveryCheckScoresZeroTheFinalWeightsAreTested() {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray w = m.create(new float[] {0});
      // ValidRatio 0 at every check (the model never names a candidate): HR x VR is 0 throughout,
      // and the constrained HR (best at step 3) must not pick an earlier step.
      Deque<CheckpointSelector.Validation> script =
          new ArrayDeque<>(List.of(zero(0.2), zero(0.6), zero(0.1), zero(0.3)));
      CheckpointSelector s = new CheckpointSelector(Map.of("w", w), 12, 4, script::removeFirst);
      run(s, w, 12, m);
      assertThat(s.checks()).allSatisfy(c -> assertThat(c.score()).isZero());
      assertThat(s.best().step()).isEqualTo(12);
      s.restoreBest();
      assertThat(w.toFloatArray()).containsExactly(12f);

      // One check with a valid hit beats later checks at 0: the paper's rule applies where
      // it is defined.
      Deque<CheckpointSelector.Validation> s2 =
          new ArrayDeque<>(List.of(zero(0.9), v(1, 0.1), zero(0.9), zero(0.9)));
      CheckpointSelector sel = new CheckpointSelector(Map.of("w", w), 12, 4, s2::removeFirst);
      run(sel, w, 12, m);
      assertThat(sel.best().step()).isEqualTo(6);
    }
  }

  private static void run(CheckpointSelector s, NDArray w, int steps, NDManager m) {
    Ctx ctx = new Ctx();
    for (long step = 1; step <= steps; step++) {
      ctx.step = step;
      w.set(new ai.djl.ndarray.index.NDIndex("..."), m.create(new float[] {step}));
      s.onStep(ctx, (StepMetrics) null);
    }
  }

  /** No valid answer of 20 (ValidRatio 0), constrained HR {@code c}. */
  static CheckpointSelector.Validation zero(double c) {
    return new CheckpointSelector.Validation(
        new RecMetrics(20, 0, 0), new RecMetrics(20, 20, Math.round(c * 20)));
  }

  /** {@code correct} of 20 by free generation, constrained HR {@code c}. */
  static CheckpointSelector.Validation v(int correct, double c) {
    return new CheckpointSelector.Validation(
        new RecMetrics(20, 10, correct), new RecMetrics(20, 20, Math.round(c * 20)));
  }
}
