/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LlaraObjective}: losses against independent computations, curriculum, hook, errors. */
class LlaraObjectiveTest {
  @TempDir Path dir;

  static final List<RecSample> SAMPLES =
      List.of(
          new RecSample(0, new int[] {1, 2, 3}, new int[] {5, 4, 12}, 4),
          new RecSample(1, new int[] {9}, new int[] {11, 10}, 10),
          new RecSample(2, new int[] {6, 7, 8, 9, 10}, new int[] {1, 2, 3, 11}, 11));

  @Test
  void textLossEqualsCoreCausalLmLossOnTheRegisteredExamples() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir);
        NDManager m = TensorRuntime.newManager()) {
      LlaraObjective o =
          new LlaraObjective(f.llara(BatchHook.NONE), LlaraObjective.Curriculum.TEXT, 1);
      List<Example> examples = o.register(SAMPLES);
      Batch batch = Batch.of(examples, f.prompt.padId());
      o.onTrainBegin(new Naive.Context(10));
      float ours = o.lossSum(batch, m).getFloat();
      float core = CausalLmObjective.of(f.model).lossSum(batch, m).getFloat();
      assertThat((double) ours).isCloseTo(core, within(1e-4 * Math.abs(core)));
      assertThat(o.textBatches()).isEqualTo(1);
      assertThat(o.hybridBatches()).isZero();
    }
  }

  @Test
  void hybridLossEqualsOneSequenceAtATimeComputation() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir);
        NDManager m = TensorRuntime.newManager()) {
      LlaraObjective o =
          new LlaraObjective(f.llara(BatchHook.NONE), LlaraObjective.Curriculum.HYBRID, 1);
      Batch batch = Batch.of(o.register(SAMPLES), f.prompt.padId());
      float ours = o.loss(batch, PromptMode.HYBRID, m).getFloat();
      double naive = 0;
      int targets = 0;
      for (RecSample s : SAMPLES) {
        EncodedPrompt e = f.prompt.encode(s, PromptMode.HYBRID);
        long[] ids = e.ids();
        float[][] lp = Naive.logProbs(f, ids, e.placeholderPositions(), e.placeholderItems());
        naive -= Naive.continuation(lp, ids, e.promptLength());
        targets += ids.length - e.promptLength();
      }
      assertThat(targets).isEqualTo(batch.targetCount());
      assertThat((double) ours).isCloseTo(naive, within(1e-4 * naive));
      // The hybrid loss differs from the text-only one: the item rows do matter.
      float text = o.loss(batch, PromptMode.TEXT, m).getFloat();
      assertThat(Math.abs(text - ours)).isGreaterThan(1e-3f);
      // Evaluation runs hybrid prompts and reports the same sum.
      var eval = o.evaluate(batch, m);
      assertThat(eval.lossSum()).isCloseTo(ours, within(1e-4 * naive));
      assertThat(eval.targets()).isEqualTo(batch.targetCount());
    }
  }

  @Test
  void curriculumDrawsHybridWithProbabilityStepOverMaxStepsReproducibly() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir)) {
      LlaraModel model = f.llara(BatchHook.NONE);
      LlaraObjective a = new LlaraObjective(model, LlaraObjective.Curriculum.CURRICULUM, 5);
      LlaraObjective b = new LlaraObjective(model, LlaraObjective.Curriculum.CURRICULUM, 5);
      LlaraObjective c = new LlaraObjective(model, LlaraObjective.Curriculum.CURRICULUM, 6);
      long max = 1000;
      int early = 0;
      int late = 0;
      int total = 0;
      boolean differs = false;
      for (long step = 0; step < max; step++) {
        for (int call = 0; call < 4; call++) {
          PromptMode mode = a.modeAt(step, call, max);
          assertThat(b.modeAt(step, call, max)).isEqualTo(mode);
          differs |= c.modeAt(step, call, max) != mode;
          if (mode == PromptMode.HYBRID) {
            total++;
            early += step < 200 ? 1 : 0;
            late += step >= 800 ? 1 : 0;
          }
        }
      }
      assertThat(differs).isTrue();
      // Expected counts: sum over steps of 4 (s + 1) / 1000 = 2002 in all, 80.4 in the first
      // 200 steps, 720.4 in the last 200 (binomial standard deviations below 27).
      assertThat(total).isBetween(1850, 2150);
      assertThat(early).isBetween(40, 125);
      assertThat(late).isBetween(640, 800);
      for (int call = 0; call < 10; call++) {
        assertThat(a.modeAt(max - 1, call, max)).isEqualTo(PromptMode.HYBRID); // p = 1
      }
      LlaraObjective text = new LlaraObjective(model, LlaraObjective.Curriculum.TEXT, 5);
      LlaraObjective hybrid = new LlaraObjective(model, LlaraObjective.Curriculum.HYBRID, 5);
      assertThat(text.modeAt(max - 1, 0, max)).isEqualTo(PromptMode.TEXT);
      assertThat(hybrid.modeAt(0, 0, max)).isEqualTo(PromptMode.HYBRID);
    }
  }

  @Test
  void theHookSeesTheBatchSamplesInRowOrderBeforeEachForwardPass() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir);
        NDManager m = TensorRuntime.newManager()) {
      List<List<RecSample>> seen = new ArrayList<>();
      LlaraObjective o =
          new LlaraObjective(
              f.llara((samples, mm) -> seen.add(List.copyOf(samples))),
              LlaraObjective.Curriculum.CURRICULUM,
              1);
      List<Example> examples = o.register(SAMPLES);
      Batch batch = Batch.of(List.of(examples.get(2), examples.get(0)), f.prompt.padId());
      Naive.Context ctx = new Naive.Context(2);
      o.onTrainBegin(ctx);
      o.lossSum(batch, m);
      ctx.step = 1;
      o.onStep(ctx, ctx.metrics());
      o.lossSum(batch, m); // step 2 of 2: hybrid for sure
      assertThat(seen).hasSize(2);
      assertThat(seen.get(1)).containsExactly(SAMPLES.get(2), SAMPLES.get(0));
      assertThat(o.hybridBatches()).isGreaterThanOrEqualTo(1);
      assertThat(o.hybridBatches() + o.textBatches()).isEqualTo(2);
    }
  }

  @Test
  void failsClearlyWhenNotWiredUp() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir);
        NDManager m = TensorRuntime.newManager()) {
      LlaraObjective o =
          new LlaraObjective(f.llara(BatchHook.NONE), LlaraObjective.Curriculum.CURRICULUM, 1);
      Batch batch = Batch.of(o.register(SAMPLES), f.prompt.padId());
      assertThatThrownBy(() -> o.lossSum(batch, m))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("addListener(objective)");
      o.onTrainBegin(new Naive.Context(10));
      Example stranger = f.prompt.encode(SAMPLES.get(0), PromptMode.TEXT).toExample();
      assertThatThrownBy(() -> o.lossSum(Batch.of(List.of(stranger), 0), m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("register()");
      LlaraModel textOnly = new LlaraModel(f.model, f.prompt, null, BatchHook.NONE);
      assertThatThrownBy(
              () -> new LlaraObjective(textOnly, LlaraObjective.Curriculum.CURRICULUM, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs hybrid prompts");
    }
  }
}
