/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LikelihoodRanker}: one block-masked pass per batch equals per-candidate passes. */
class LikelihoodRankerTest {
  @TempDir Path dir;

  static final List<RecSample> SAMPLES =
      List.of(
          new RecSample(0, new int[] {1, 2, 3}, new int[] {5, 4, 12, 11}, 4),
          new RecSample(1, new int[] {9}, new int[] {11, 10}, 10),
          new RecSample(2, new int[] {6, 7, 8, 9, 10}, new int[] {1, 2, 3}, 3));

  @Test
  void batchedTextScoresEqualSeparateForwardPassesOfPromptPlusCandidate() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir)) {
      checkTextScores(f, true);
      checkTextScores(f, false);
    }
  }

  @Test
  void batchedScoresRespectASlidingWindow() throws Exception {
    // Mistral-like: every token sees at most the 8 positions up to itself, far fewer than a row.
    LlamaConfig mistral =
        new LlamaConfig(
            "mistral",
            LlaraFixture.VOCAB,
            64,
            128,
            2,
            4,
            2,
            null,
            1e-5,
            10000.0,
            null,
            256,
            false,
            false,
            false,
            "silu",
            1,
            List.of(2),
            null,
            8,
            null,
            null,
            null);
    try (LlaraFixture f = new LlaraFixture(dir, mistral, LlaraPromptConfig.movies(256), 3)) {
      assertThat(f.model.config().attentionWindow()).isEqualTo(8);
      checkTextScores(f, true);
      checkHybridScores(f);
    }
  }

  /** Naive: the model's own full forward pass ({@code LlamaModel.logits}) per candidate. */
  private static void checkTextScores(LlaraFixture f, boolean withEos) {
    LlaraModel model = new LlaraModel(f.model, f.prompt, null, BatchHook.NONE);
    double[][] batched = new LikelihoodRanker(model, PromptMode.TEXT, 2, withEos).scores(SAMPLES);
    try (NDManager m = TensorRuntime.newManager()) {
      for (int r = 0; r < SAMPLES.size(); r++) {
        RecSample s = SAMPLES.get(r);
        int[] cans = s.candidates();
        int longest = 0;
        for (int c : cans) {
          longest = Math.max(longest, f.prompt.answerIds(c, withEos).length);
        }
        long[] promptIds = f.prompt.encodePrompt(s, PromptMode.TEXT, longest).ids();
        assertThat(batched[r]).hasSize(cans.length);
        for (int c = 0; c < cans.length; c++) {
          long[] answer = f.prompt.answerIds(cans[c], withEos);
          long[] ids = Arrays.copyOf(promptIds, promptIds.length + answer.length);
          System.arraycopy(answer, 0, ids, promptIds.length, answer.length);
          NDArray lp = f.model.logits(m.create(ids, new Shape(1, ids.length)), null).logSoftmax(-1);
          float[] flat = lp.toFloatArray();
          int v = flat.length / ids.length;
          double expected = 0;
          for (int i = promptIds.length; i < ids.length; i++) {
            expected += flat[(i - 1) * v + (int) ids[i]];
          }
          assertThat(batched[r][c])
              .as("sample %d candidate %d eos %s", r, c, withEos)
              .isCloseTo(expected, within(1e-3));
        }
      }
    }
  }

  @Test
  void batchedHybridScoresEqualSeparatePasses() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir)) {
      checkHybridScores(f);
    }
  }

  private static void checkHybridScores(LlaraFixture f) {
    LikelihoodRanker ranker =
        new LikelihoodRanker(f.llara(BatchHook.NONE), PromptMode.HYBRID, 3, true);
    double[][] batched = ranker.scores(SAMPLES);
    for (int r = 0; r < SAMPLES.size(); r++) {
      RecSample s = SAMPLES.get(r);
      int[] cans = s.candidates();
      int longest = 0;
      for (int c : cans) {
        longest = Math.max(longest, f.prompt.answerIds(c).length);
      }
      EncodedPrompt p = f.prompt.encodePrompt(s, PromptMode.HYBRID, longest);
      for (int c = 0; c < cans.length; c++) {
        long[] answer = f.prompt.answerIds(cans[c]);
        long[] ids = Arrays.copyOf(p.ids(), p.length() + answer.length);
        System.arraycopy(answer, 0, ids, p.length(), answer.length);
        float[][] lp = Naive.logProbs(f, ids, p.placeholderPositions(), p.placeholderItems());
        double expected = Naive.continuation(lp, ids, p.length());
        assertThat(batched[r][c]).isCloseTo(expected, within(1e-3));
      }
    }
    RecMetrics metrics = ranker.evaluate(SAMPLES);
    long correct = 0;
    for (int r = 0; r < SAMPLES.size(); r++) {
      correct += LikelihoodRanker.best(batched[r]) == SAMPLES.get(r).targetIndex() ? 1 : 0;
    }
    assertThat(metrics).isEqualTo(new RecMetrics(3, 3, correct));
  }

  @Test
  void theFirstOfEqualScoresRanksFirst() {
    assertThat(LikelihoodRanker.best(new double[] {-3, -0.5, -0.5, -2})).isEqualTo(1);
    assertThat(LikelihoodRanker.best(new double[] {-1})).isZero();
  }
}
