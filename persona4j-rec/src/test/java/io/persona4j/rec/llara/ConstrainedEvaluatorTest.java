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
 * Constrained decoding on a tiny random model: always one of the candidates, and the candidate a
 * naive greedy walk over separate full forward passes (no trie, no cache, no batching) picks.
 */
class ConstrainedEvaluatorTest {
  @TempDir Path dir;

  /**
   * The naive reference: one full forward pass per candidate over prompt + answer + EOS; at each
   * answer position the surviving candidates (all sharing the tokens so far, hence the context)
   * offer their next tokens, the one with the largest log-probability wins, and the candidates with
   * another token drop out; the first survivor is the choice.
   */
  static int naiveGreedyPath(LlaraFixture f, RecSample s, PromptMode mode) {
    int[] cans = s.candidates();
    long[][] answers = new long[cans.length][];
    int longest = 0;
    for (int c = 0; c < cans.length; c++) {
      answers[c] = f.prompt.answerIds(cans[c], true);
      longest = Math.max(longest, answers[c].length);
    }
    EncodedPrompt p = f.prompt.encodePrompt(s, mode, longest);
    float[][][] lp = new float[cans.length][][];
    for (int c = 0; c < cans.length; c++) {
      long[] ids = Arrays.copyOf(p.ids(), p.length() + answers[c].length);
      System.arraycopy(answers[c], 0, ids, p.length(), answers[c].length);
      lp[c] = Naive.logProbs(f, ids, p.placeholderPositions(), p.placeholderItems());
    }
    List<Integer> alive = new ArrayList<>();
    for (int c = 0; c < cans.length; c++) {
      alive.add(c);
    }
    for (int j = 0; ; j++) {
      float[] row = lp[alive.get(0)][p.length() - 1 + j];
      long best = -1;
      for (int c : alive) {
        long tok = answers[c][j];
        if (best < 0 || row[(int) tok] > row[(int) best]) {
          best = tok;
        }
      }
      final int at = j;
      final long chosen = best;
      alive.removeIf(c -> answers[c][at] != chosen);
      if (chosen == f.prompt.eosId()) {
        return alive.get(0);
      }
    }
  }

  @Test
  void everyAnswerIsACandidateAndTheNaiveGreedyPathsChoice() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir)) {
      LlaraModel model = f.llara(BatchHook.NONE);
      List<RecSample> samples = new ArrayList<>(LlaraFixture.nextItemTask(10, 7, 3));
      samples.add(new RecSample(99, new int[] {4}, new int[] {3, 1, 2, 5, 6, 7, 8, 9}, 9));
      for (PromptMode mode : PromptMode.values()) {
        ConstrainedEvaluator eval = new ConstrainedEvaluator(model, mode, 3);
        List<ConstrainedEvaluator.Choice> choices = eval.predict(samples);
        assertThat(choices).extracting(ConstrainedEvaluator.Choice::sample).isEqualTo(samples);
        RecMetrics m = ConstrainedEvaluator.metrics(choices);
        assertThat(m.validRatio()).isEqualTo(1.0);
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
          for (ConstrainedEvaluator.Choice c : choices) {
            RecSample s = c.sample();
            // The tokens are exactly the chosen candidate's answer + EOS.
            assertThat(c.tokens()).containsExactly(f.prompt.answerIds(c.item(), true));
            assertThat(c.candidate())
                .as("sample %d (%s)", s.user(), mode)
                .isEqualTo(naiveGreedyPath(f, s, mode));
          }
        }
        // The free protocol's judge agrees: the decoded text names exactly the chosen title.
        GenerationEvaluator judge = new GenerationEvaluator(model, mode, 8, 1, false);
        for (ConstrainedEvaluator.Choice c : choices) {
          String text = f.prompt.tokenizer().decode(c.tokens(), true);
          AnswerMatch a = judge.judge(text, c.sample());
          assertThat(a.valid()).as(text).isTrue();
          assertThat(a.correct()).isEqualTo(c.correct());
        }
      }
    }
  }
}
