/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.core.train.Autograd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The beam protocol on a tiny random model against a naive reference that scores every candidate's
 * full answer (title + EOS) by its own forward pass over prompt + answer (no trie, no batching, no
 * shared-prefix mask): a beam as wide as the candidate list must pick the exhaustive argmax, width
 * 1 the naive greedy walk of {@link ConstrainedEvaluatorTest}.
 */
class BeamEvaluatorTest {
  @TempDir Path dir;

  static int naiveArgmax(LlaraFixture f, RecSample s, PromptMode mode) {
    int[] cans = s.candidates();
    long[][] answers = new long[cans.length][];
    int longest = 0;
    for (int c = 0; c < cans.length; c++) {
      answers[c] = f.prompt.answerIds(cans[c], true);
      longest = Math.max(longest, answers[c].length);
    }
    EncodedPrompt p = f.prompt.encodePrompt(s, mode, longest);
    double[] sums = new double[cans.length];
    for (int c = 0; c < cans.length; c++) {
      long[] ids = Arrays.copyOf(p.ids(), p.length() + answers[c].length);
      System.arraycopy(answers[c], 0, ids, p.length(), answers[c].length);
      float[][] lp = Naive.logProbs(f, ids, p.placeholderPositions(), p.placeholderItems());
      sums[c] = Naive.continuation(lp, ids, p.length());
    }
    int best = 0;
    for (int c = 1; c < sums.length; c++) {
      best = sums[c] > sums[best] ? c : best;
    }
    return best;
  }

  @Test
  void fullWidthBeamIsTheExhaustiveArgmaxAndWidthOneTheGreedyPath() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir)) {
      LlaraModel model = f.llara(BatchHook.NONE);
      List<RecSample> samples = new ArrayList<>(LlaraFixture.nextItemTask(10, 7, 3));
      samples.add(new RecSample(99, new int[] {4}, new int[] {3, 1, 2, 5, 6, 7, 8, 9}, 9));
      for (PromptMode mode : PromptMode.values()) {
        int widest = samples.stream().mapToInt(s -> s.candidates().length).max().orElseThrow();
        List<ConstrainedEvaluator.Choice> full =
            new BeamEvaluator(model, mode, 3, widest).predict(samples);
        List<ConstrainedEvaluator.Choice> one =
            new BeamEvaluator(model, mode, 4, 1).predict(samples);
        List<ConstrainedEvaluator.Choice> mid =
            new BeamEvaluator(model, mode, 2, 3).predict(samples);
        assertThat(ConstrainedEvaluator.metrics(mid).validRatio()).isEqualTo(1.0);
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
          for (int i = 0; i < samples.size(); i++) {
            RecSample s = samples.get(i);
            assertThat(full.get(i).sample()).isEqualTo(s);
            assertThat(full.get(i).candidate())
                .as("sample %d (%s), full width", i, mode)
                .isEqualTo(naiveArgmax(f, s, mode));
            assertThat(one.get(i).candidate())
                .as("sample %d (%s), width 1", i, mode)
                .isEqualTo(ConstrainedEvaluatorTest.naiveGreedyPath(f, s, mode));
            assertThat(full.get(i).tokens())
                .containsExactly(f.prompt.answerIds(full.get(i).item(), true));
          }
        }
        // The full-width beam is the likelihood protocol's ranking, to the candidate.
        double[][] scores = new LikelihoodRanker(model, mode, 3, true).scores(samples);
        for (int i = 0; i < samples.size(); i++) {
          assertThat(full.get(i).candidate()).isEqualTo(LikelihoodRanker.best(scores[i]));
        }
      }
    }
  }
}
