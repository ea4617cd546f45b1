/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.train.Autograd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generation protocol: answer judging by hand cases, batched greedy decoding by references. */
class GenerationEvaluatorTest {
  @TempDir Path dir;

  static final List<String> CANS = List.of("Heat (1995)", "Casino (1995)", "Toy Story (1995)");

  static final List<RecSample> SAMPLES =
      List.of(
          new RecSample(0, new int[] {1, 2, 3}, new int[] {5, 4, 12, 11}, 4),
          new RecSample(1, new int[] {9}, new int[] {11, 10}, 10),
          new RecSample(2, new int[] {6, 7, 8, 9, 10, 11, 12}, new int[] {1, 2, 3}, 3));

  @Test
  void anOutputIsValidWhenExactlyOneCandidateTitleOccursInItsFirstLine() {
    AnswerMatch exact = AnswerMatch.judge(" Casino (1995)", CANS, "Casino (1995)", false);
    assertThat(exact.valid()).isTrue();
    assertThat(exact.correct()).isTrue();
    assertThat(exact.matched()).containsExactly("Casino (1995)");
    AnswerMatch wrong = AnswerMatch.judge("I pick Heat (1995)!", CANS, "Casino (1995)", false);
    assertThat(wrong.valid()).isTrue();
    assertThat(wrong.correct()).isFalse();
    AnswerMatch two = AnswerMatch.judge("Heat (1995), Casino (1995)", CANS, "Heat (1995)", false);
    assertThat(two.valid()).isFalse();
    assertThat(two.matched()).containsExactly("Heat (1995)", "Casino (1995)");
    AnswerMatch none = AnswerMatch.judge("Jumanji (1995)", CANS, "Heat (1995)", false);
    assertThat(none.valid()).isFalse();
    assertThat(none.correct()).isFalse();
    // Only the first line counts.
    AnswerMatch lines =
        AnswerMatch.judge("  Heat (1995)\nCasino (1995)", CANS, "Heat (1995)", false);
    assertThat(lines.output()).isEqualTo("Heat (1995)");
    assertThat(lines.correct()).isTrue();
    // LLaRA lower-cases both sides; case-sensitive matching is the option.
    assertThat(AnswerMatch.judge("casino (1995)", CANS, "Casino (1995)", false).correct()).isTrue();
    assertThat(AnswerMatch.judge("casino (1995)", CANS, "Casino (1995)", true).valid()).isFalse();
    // A title contained in another: both occur, so the longer answer is not valid (as LLaRA).
    List<String> nested = List.of("Heat", "Heat 2", "Babe");
    assertThat(AnswerMatch.judge("Heat 2", nested, "Heat 2", false).valid()).isFalse();
    assertThat(AnswerMatch.judge("Heat", nested, "Heat", false).correct()).isTrue();

    RecMetrics r = AnswerMatch.metrics(List.of(exact, wrong, two, none, lines));
    assertThat(r).isEqualTo(new RecMetrics(5, 3, 2));
    assertThat(r.validRatio()).isEqualTo(0.6);
    assertThat(r.hitRatio()).isEqualTo(0.4);
    assertThat(r.hitRatioOfValid()).isEqualTo(2.0 / 3);
    assertThat(new RecMetrics(0, 0, 0).hitRatio()).isNaN();
  }

  @Test
  void textModeGreedyDecodingAgreesWithCoresGenerator() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir);
        NDManager m = TensorRuntime.newManager()) {
      LlaraModel model = new LlaraModel(f.model, f.prompt, null, BatchHook.NONE);
      int max = 12;
      List<EncodedPrompt> prompts = new ArrayList<>();
      List<long[]> ids = new ArrayList<>();
      for (RecSample s : SAMPLES) {
        EncodedPrompt p = f.prompt.encodePrompt(s, PromptMode.TEXT, max);
        prompts.add(p);
        ids.add(p.ids());
      }
      assertThat(prompts.get(0).length()).isNotEqualTo(prompts.get(2).length()); // padding used
      List<long[]> ours;
      try (Autograd.NoGrad ignored = Autograd.noGrad()) {
        ours = new GreedyDecoder(model).decode(prompts, max, m);
      }
      GenerationResult core =
          new Generator(f.model)
              .generate(ids, SamplingConfig.greedy(max, Set.of(2L)), TokenListener.NONE);
      for (int r = 0; r < SAMPLES.size(); r++) {
        long[] a = ours.get(r);
        long[] b = core.tokens().get(r);
        assertThat(a.length).isPositive().isLessThanOrEqualTo(b.length);
        assertThat(a).containsExactly(Arrays.copyOf(b, a.length));
        if (a.length < b.length) { // stopped early: only at a line break
          assertThat(f.tokenizer.decode(a, true)).contains("\n");
        }
      }
    }
  }

  @Test
  void hybridDecodingIsTheSameBatchedAsOneByOne() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir);
        NDManager m = TensorRuntime.newManager()) {
      LlaraModel model = f.llara(BatchHook.NONE);
      int max = 10;
      List<EncodedPrompt> prompts = new ArrayList<>();
      for (RecSample s : SAMPLES) {
        prompts.add(f.prompt.encodePrompt(s, PromptMode.HYBRID, max));
      }
      try (Autograd.NoGrad ignored = Autograd.noGrad()) {
        GreedyDecoder d = new GreedyDecoder(model);
        List<long[]> batched = d.decode(prompts, max, m);
        for (int r = 0; r < prompts.size(); r++) {
          long[] alone = d.decode(List.of(prompts.get(r)), max, m).get(0);
          assertThat(batched.get(r)).as("row %d", r).containsExactly(alone);
          // The first token is the argmax of an independent one-sequence forward pass.
          EncodedPrompt p = prompts.get(r);
          float[][] lp = Naive.logProbs(f, p.ids(), p.placeholderPositions(), p.placeholderItems());
          float[] last = lp[p.length() - 1];
          int best = 0;
          for (int v = 1; v < last.length; v++) {
            best = last[v] > last[best] ? v : best;
          }
          assertThat(alone[0]).isEqualTo(best);
        }
      }
      // The evaluator judges what it generated, in sample order.
      GenerationEvaluator eval = new GenerationEvaluator(model, PromptMode.HYBRID, max, 2, false);
      List<GenerationEvaluator.Prediction> predictions = eval.predict(SAMPLES);
      assertThat(predictions)
          .extracting(GenerationEvaluator.Prediction::sample)
          .containsExactlyElementsOf(SAMPLES);
      for (GenerationEvaluator.Prediction p : predictions) {
        assertThat(p.match()).isEqualTo(eval.judge(p.generated(), p.sample()));
      }
      assertThat(eval.evaluate(SAMPLES).total()).isEqualTo(3);
    }
  }
}
