/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  static NDManager manager;
  static LlamaModel model;
  static final LlamaConfig CONFIG =
      new LlamaConfig(
          "qwen2",
          61,
          32,
          48,
          2,
          4,
          2,
          null,
          1e-6,
          10000.0,
          null,
          96,
          true,
          null,
          false,
          "silu",
          1,
          List.of(2),
          null,
          null,
          false,
          null,
          null);

  @BeforeAll
  static void load() throws IOException {
    manager = TensorRuntime.newManager();
    Map<String, FloatTensor> w = RandomWeights.llama(CONFIG, 21, 0.35f);
    model = LlamaModel.load(CONFIG, WeightSource.ofFloats("random", w), manager);
  }

  @AfterAll
  static void close() {
    model.close();
    manager.close();
  }

  /** Greedy continuation by recomputing the whole sequence at every step (no cache). */
  static long[] greedyByRecomputation(long[] prompt, int n) {
    long[] seq = prompt.clone();
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      try (NDManager m = manager.newSubManager()) {
        float[] all = model.logits(m.create(seq, new Shape(1, seq.length)), null).toFloatArray();
        float[] last = Arrays.copyOfRange(all, all.length - CONFIG.vocabSize(), all.length);
        out[i] = Sampler.argmax(last);
      }
      seq = Arrays.copyOf(seq, seq.length + 1);
      seq[seq.length - 1] = out[i];
    }
    return out;
  }

  @Test
  void greedyWithKvCacheEqualsGreedyByFullRecomputation() {
    long[] prompt = {1, 5, 9, 14, 3};
    GenerationResult r =
        new Generator(model)
            .generate(List.of(prompt), SamplingConfig.greedy(12, Set.of()), TokenListener.NONE);
    assertThat(r.tokens().get(0)).containsExactly(greedyByRecomputation(prompt, 12));
    assertThat(r.decodeSteps()).isEqualTo(11);
  }

  @Test
  void batchOfDifferentLengthsEqualsEachPromptAlone() {
    List<long[]> prompts =
        List.of(
            new long[] {1, 7}, new long[] {1, 4, 8, 15, 16, 23, 42}, new long[] {1, 30, 31, 33});
    SamplingConfig cfg = SamplingConfig.greedy(10, Set.of());
    GenerationResult batch = new Generator(model).generate(prompts, cfg, TokenListener.NONE);
    for (int r = 0; r < prompts.size(); r++) {
      GenerationResult alone =
          new Generator(model).generate(List.of(prompts.get(r)), cfg, TokenListener.NONE);
      assertThat(batch.tokens().get(r)).as("row %d", r).containsExactly(alone.tokens().get(0));
    }
  }

  @Test
  void stopTokenEndsOnlyItsRowAndIsReported() {
    long[] prompt = {1, 5, 9};
    long[] free = greedyByRecomputation(prompt, 6);
    long stop = free[3];
    int firstStop = 0;
    while (free[firstStop] != stop) {
      firstStop++;
    }
    GenerationResult r =
        new Generator(model)
            .generate(
                List.of(prompt, new long[] {1, 2}),
                SamplingConfig.greedy(6, Set.of(stop)),
                TokenListener.NONE);
    assertThat(r.tokens().get(0)).containsExactly(Arrays.copyOf(free, firstStop + 1));
    assertThat(r.stoppedOnToken()[0]).isTrue();
  }

  @Test
  void listenerStreamsEveryTokenInOrder() {
    List<List<Long>> seen = List.of(new ArrayList<>(), new ArrayList<>());
    GenerationResult r =
        new Generator(model)
            .generate(
                List.of(new long[] {1, 3}, new long[] {1, 4, 5}),
                new SamplingConfig(8, 0.9f, 20, 0.95f, 1.1f, Set.of(), 5),
                (row, tok) -> seen.get(row).add(tok));
    for (int row = 0; row < 2; row++) {
      assertThat(seen.get(row).stream().mapToLong(Long::longValue).toArray())
          .containsExactly(r.tokens().get(row));
    }
  }

  @Test
  void seededSamplingIsReproducibleAndSeedSensitive() {
    SamplingConfig cfg = new SamplingConfig(16, 1.5f, 0, 1f, 1f, Set.of(), 99);
    long[] prompt = {1, 2, 3};
    long[] a =
        new Generator(model).generate(List.of(prompt), cfg, TokenListener.NONE).tokens().get(0);
    long[] b =
        new Generator(model).generate(List.of(prompt), cfg, TokenListener.NONE).tokens().get(0);
    long[] c =
        new Generator(model)
            .generate(List.of(prompt), cfg.withSeed(100), TokenListener.NONE)
            .tokens()
            .get(0);
    assertThat(a).containsExactly(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void logitsFilterSeesEachRowsTokensAndRestrictsTheChoice() {
    List<long[]> prompts = List.of(new long[] {1, 5, 9, 13}, new long[] {3});
    int p = 4;
    long[] ids = new long[prompts.size() * p];
    boolean[][] valid = new boolean[prompts.size()][p];
    for (int r = 0; r < prompts.size(); r++) {
      long[] x = prompts.get(r);
      for (int c = 0; c < x.length; c++) {
        ids[r * p + p - x.length + c] = x[c];
        valid[r][p - x.length + c] = true;
      }
    }
    // Row r may only produce token 10 + r + (number of tokens so far); greedy must follow.
    List<String> seen = new java.util.ArrayList<>();
    try (NDManager m = manager.newSubManager()) {
      GenerationResult g =
          new Generator(model)
              .generateFromEmbeddings(
                  model.embed(m.create(ids, new Shape(prompts.size(), p))),
                  valid,
                  SamplingConfig.greedy(3, Set.of()),
                  TokenListener.NONE,
                  Generator.StopCondition.NONE,
                  (row, generated, logits) -> {
                    seen.add(row + ":" + Arrays.toString(generated));
                    int allowed = 10 + row + generated.length;
                    for (int v = 0; v < logits.length; v++) {
                      logits[v] = v == allowed ? logits[v] : Float.NEGATIVE_INFINITY;
                    }
                  });
      assertThat(g.tokens().get(0)).containsExactly(10, 11, 12);
      assertThat(g.tokens().get(1)).containsExactly(11, 12, 13);
      assertThat(seen).contains("0:[]", "0:[10, 11]", "1:[11]");
    }
  }

  @Test
  void generationFromEmbeddingsIsGenerationFromIds() {
    List<long[]> prompts = List.of(new long[] {1, 5, 9, 13}, new long[] {1, 7}, new long[] {3});
    SamplingConfig config = new SamplingConfig(6, 0.9f, 20, 0.95f, 1f, Set.of(2L), 7);
    GenerationResult fromIds = new Generator(model).generate(prompts, config, TokenListener.NONE);
    int p = 4;
    long[] ids = new long[prompts.size() * p];
    boolean[][] valid = new boolean[prompts.size()][p];
    for (int r = 0; r < prompts.size(); r++) {
      long[] x = prompts.get(r);
      for (int c = 0; c < x.length; c++) {
        ids[r * p + p - x.length + c] = x[c]; // left-padded with 0
        valid[r][p - x.length + c] = true;
      }
    }
    try (NDManager m = manager.newSubManager()) {
      GenerationResult fromEmbeddings =
          new Generator(model)
              .generateFromEmbeddings(
                  model.embed(m.create(ids, new Shape(prompts.size(), p))),
                  valid,
                  config,
                  TokenListener.NONE,
                  Generator.StopCondition.NONE);
      for (int r = 0; r < prompts.size(); r++) {
        assertThat(fromEmbeddings.tokens().get(r)).containsExactly(fromIds.tokens().get(r));
      }
      assertThat(fromEmbeddings.promptTokens()).isEqualTo(fromIds.promptTokens());
      // an extra stop condition ends a row after the token it sees
      GenerationResult two =
          new Generator(model)
              .generateFromEmbeddings(
                  model.embed(m.create(ids, new Shape(prompts.size(), p))),
                  valid,
                  config,
                  TokenListener.NONE,
                  (row, generated) -> generated.length == 2);
      for (int r = 0; r < prompts.size(); r++) {
        long[] full = fromIds.tokens().get(r);
        assertThat(two.tokens().get(r))
            .containsExactly(Arrays.copyOf(full, Math.min(2, full.length)));
      }
    }
  }
}
