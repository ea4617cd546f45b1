/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A tiny LLaRA setup: 12 movie titles, a byte-level BPE tokenizer trained on them and the prompt
 * template (with [HistoryEmb], [CansEmb] and [PH] reserved), a random 2-layer Llama (hidden 64),
 * random 16-d item vectors and a projector.
 */
final class LlaraFixture implements AutoCloseable {
  static final List<String> TITLES =
      List.of(
          "Toy Story (1995)",
          "Jumanji (1995)",
          "Heat (1995)",
          "Sabrina (1995)",
          "GoldenEye (1995)",
          "Casino (1995)",
          "Babe (1995)",
          "Balto (1995)",
          "Nixon (1995)",
          "Othello (1995)",
          "Now and Then (1995)",
          "Persuasion (1995)");
  static final int VOCAB = 512;
  static final int ITEM_DIM = 16;
  static final int HIDDEN = 64;

  final NDManager manager;
  final Tokenizer tokenizer;
  final ItemCatalog catalog = ItemCatalog.of(TITLES);
  final LlamaModel model;
  final ItemProjector projector;
  final float[][] itemVectors;
  final LlaraPrompt prompt;

  LlaraFixture(Path dir, LlamaConfig config, LlaraPromptConfig promptConfig, long seed)
      throws IOException {
    Path tok = dir.resolve("tokenizer.json");
    writeTokenizer(tok, config.vocabSize());
    manager = TensorRuntime.newManager();
    tokenizer = Tokenizer.load(tok);
    model =
        LlamaModel.load(
            config,
            WeightSource.ofFloats("random", RandomWeights.llama(config, seed, 0.1f)),
            manager);
    projector = ItemProjector.create(ITEM_DIM, config.hiddenSize(), seed + 1, manager);
    itemVectors = randomVectors(TITLES.size(), ITEM_DIM, seed + 2);
    prompt = new LlaraPrompt(tokenizer, catalog, promptConfig);
  }

  static LlaraFixture create(Path dir) throws IOException {
    return new LlaraFixture(dir, config(), LlaraPromptConfig.movies(256), 7);
  }

  /** 2 layers, hidden 64, 4 query heads sharing 2 KV heads, 256 positions. */
  static LlamaConfig config() {
    return ModelInit.decoderConfig("llama", 2, HIDDEN, 4, 2, VOCAB, 0, 256);
  }

  static void writeTokenizer(Path out, int vocab) throws IOException {
    List<String> corpus = new ArrayList<>(TITLES);
    corpus.add(LlaraPromptConfig.MOVIE_TEMPLATE);
    TokenizerJsonWriter.writeByteLevelBpe(
        out,
        vocab,
        corpus,
        List.of(
            LlaraPromptConfig.HISTORY_TOKEN,
            LlaraPromptConfig.CANDIDATE_TOKEN,
            LlaraPromptConfig.TEXT_PLACEHOLDER));
  }

  static float[][] randomVectors(int n, int dim, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] v = new float[n + 1][dim];
    for (int i = 1; i <= n; i++) {
      for (int j = 0; j < dim; j++) {
        v[i][j] = (float) (r.nextDouble() * 2 - 1);
      }
    }
    return v;
  }

  HybridEmbedder embedder() {
    return new HybridEmbedder(model, projector, itemVectors);
  }

  LlaraModel llara(BatchHook hook) {
    return new LlaraModel(model, prompt, embedder(), hook);
  }

  /**
   * The deterministic task: history {@code i-2, i-1, i} (items wrap around 1..12), target {@code
   * i+1}, candidates the target and {@code others} random items outside the history, shuffled.
   */
  static List<RecSample> nextItemTask(int count, int others, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = TITLES.size();
    List<RecSample> out = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      int i = r.nextInt(n); // 0-based last history item
      int[] history = {(i + n - 2) % n + 1, (i + n - 1) % n + 1, i + 1};
      int target = (i + 1) % n + 1;
      List<Integer> cans = new ArrayList<>(List.of(target));
      while (cans.size() < others + 1) {
        int c = r.nextInt(n) + 1;
        boolean inHistory = c == history[0] || c == history[1] || c == history[2];
        if (!inHistory && !cans.contains(c)) {
          cans.add(c);
        }
      }
      for (int j = cans.size() - 1; j > 0; j--) {
        int s = r.nextInt(j + 1);
        Integer tmp = cans.get(j);
        cans.set(j, cans.get(s));
        cans.set(s, tmp);
      }
      out.add(
          new RecSample(k, history, cans.stream().mapToInt(Integer::intValue).toArray(), target));
    }
    return out;
  }

  @Override
  public void close() {
    projector.close();
    model.close();
    tokenizer.close();
    manager.close();
  }
}
