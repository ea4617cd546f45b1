/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.StepMetrics;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingContext;
import io.persona4j.core.train.TrainingListener;
import io.persona4j.core.train.TrainingResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short LLaRA run with core's trainer on a task whose next item is fixed by the history. */
class LlaraTrainingTest {
  @TempDir Path dir;

  @Test
  void curriculumTrainingLearnsTheNextItemAndBothProtocolsSeeIt() throws Exception {
    List<RecSample> train = LlaraFixture.nextItemTask(96, 4, 1);
    List<RecSample> heldOut = LlaraFixture.nextItemTask(24, 4, 2);
    int steps = 80;
    try (LlaraFixture f = LlaraFixture.create(dir)) {
      LlaraModel model = f.llara(BatchHook.NONE);
      LlaraObjective objective = new LlaraObjective(model, LlaraObjective.Curriculum.CURRICULUM, 3);
      List<Example> examples = objective.register(train);
      TrainableParameters params =
          TrainableParameters.merge(
              TrainableParameters.allOf(f.model), TrainableParameters.of(f.projector.parameters()));
      TrainingResult r;
      try (Trainer t =
          Trainer.builder()
              .setParameters(params)
              .setObjective(objective)
              .setOptimizer(AdamW.builder().build())
              .setSchedule(LearningRateSchedule.warmupCosine(3e-3, 10, steps))
              .setTrainData(examples)
              .setMaxSteps(steps)
              .optMicroBatchSize(8)
              .optPadId(f.prompt.padId())
              .optSeed(4)
              .addListener(objective)
              .build()) {
        r = t.train();
      }
      params.freeze();
      double[] losses = r.losses();
      double last10 = 0;
      for (int i = steps - 10; i < steps; i++) {
        last10 += losses[i] / 10;
      }
      RecMetrics lik = new LikelihoodRanker(model, PromptMode.HYBRID, 8, true).evaluate(heldOut);
      RecMetrics likText = new LikelihoodRanker(model, PromptMode.TEXT, 8, true).evaluate(heldOut);
      RecMetrics gen =
          new GenerationEvaluator(model, PromptMode.HYBRID, 16, 8, false).evaluate(heldOut);
      // Bounds: the first loss is about ln(512) = 6.2 nats per answer token (measured 6.63);
      // after 80 steps of 8 the mean of the last 10 steps is below 0.3 (measured 0.09). On 24
      // held-out candidate sets (5 candidates: chance HR@1 = 0.2) both protocols rank or name the
      // target at least 18 times (measured: likelihood 24/24 hybrid, 20/24 text-only; generation
      // 23 valid, 23 correct). About 9 s on 2 cores.
      assertThat(losses[0]).isGreaterThan(5.0);
      assertThat(last10).as("mean loss of the last 10 steps").isLessThan(0.3);
      assertThat(objective.hybridBatches()).isGreaterThanOrEqualTo(20);
      assertThat(objective.textBatches()).isGreaterThanOrEqualTo(20);
      assertThat(objective.hybridBatches() + objective.textBatches()).isEqualTo(steps);
      assertThat(lik.correct()).as("likelihood hits, hybrid prompts").isGreaterThanOrEqualTo(18);
      assertThat(likText.correct()).as("likelihood hits, text prompts").isGreaterThanOrEqualTo(12);
      assertThat(gen.valid()).as("valid generations").isGreaterThanOrEqualTo(18);
      assertThat(gen.correct()).as("generation hits").isGreaterThanOrEqualTo(18);
    }
  }

  @Test
  void textOnlyStepsLeaveTheProjectorUnchangedAsLlaraFreezesIt() throws Exception {
    int steps = 30;
    try (LlaraFixture f = LlaraFixture.create(dir)) {
      LlaraModel model = f.llara(BatchHook.NONE);
      LlaraObjective objective = new LlaraObjective(model, LlaraObjective.Curriculum.CURRICULUM, 7);
      TrainableParameters params =
          TrainableParameters.merge(
              TrainableParameters.allOf(f.model), TrainableParameters.of(f.projector.parameters()));
      List<String> changedOnText = new java.util.ArrayList<>();
      int[] counts = new int[4]; // text steps, hybrid steps, hybrid steps that moved it, decoder
      TrainingListener watch =
          new TrainingListener() {
            float[] before = projector();
            float[] decoder = f.model.weights().get("model.norm.weight").toFloatArray();
            long hybridSoFar;

            float[] projector() {
              List<Float> all = new java.util.ArrayList<>();
              for (var a : f.projector.parameters().values()) {
                for (float x : a.toFloatArray()) {
                  all.add(x);
                }
              }
              float[] out = new float[all.size()];
              for (int i = 0; i < out.length; i++) {
                out[i] = all.get(i);
              }
              return out;
            }

            @Override
            public void onStep(TrainingContext context, StepMetrics metrics) {
              boolean hybrid = objective.hybridBatches() > hybridSoFar;
              hybridSoFar = objective.hybridBatches();
              float[] now = projector();
              if (metrics.learningRate() == 0) {
                // The warm-up's first step has learning rate 0: nothing moves.
                before = now;
                return;
              }
              boolean moved = !java.util.Arrays.equals(now, before);
              if (hybrid) {
                counts[1]++;
                counts[2] += moved ? 1 : 0;
              } else {
                counts[0]++;
                if (moved) {
                  changedOnText.add("step " + context.step());
                }
              }
              float[] d = f.model.weights().get("model.norm.weight").toFloatArray();
              counts[3] += java.util.Arrays.equals(d, decoder) ? 0 : 1;
              decoder = d;
              before = now;
            }
          };
      try (Trainer t =
          Trainer.builder()
              .setParameters(params)
              .setObjective(objective)
              // Weight decay and momentum would move the projector on every step after its first
              // hybrid one, were it not left out of the text-only steps' updates.
              .setOptimizer(AdamW.builder().optWeightDecay(0.1).build())
              .setSchedule(LearningRateSchedule.warmupCosine(3e-3, 2, steps))
              .setTrainData(objective.register(LlaraFixture.nextItemTask(64, 4, 1)))
              .setMaxSteps(steps)
              .optMicroBatchSize(8)
              .optPadId(f.prompt.padId())
              .optSeed(4)
              .addListener(objective)
              .addListener(watch)
              .build()) {
        t.train();
      }
      // Text-only steps after hybrid ones occurred, and none of them moved the projector; every
      // hybrid step did, and the decoder trained on every step.
      assertThat(counts[0]).as("text-only steps").isGreaterThanOrEqualTo(5);
      assertThat(counts[1]).as("hybrid steps").isGreaterThanOrEqualTo(5);
      assertThat(changedOnText).as("text-only steps that moved the projector").isEmpty();
      assertThat(counts[2]).as("hybrid steps that moved the projector").isEqualTo(counts[1]);
      assertThat(counts[3]).as("steps that moved the decoder").isEqualTo(counts[0] + counts[1]);
    }
  }
}
