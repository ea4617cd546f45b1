/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.RecSample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluation runs the client's adapter, while grounding embeds with the frozen base only. */
class ClientEvaluatorTest {
  static final List<String> TITLES =
      List.of(
          "Toy Story (1995)",
          "Heat (1995)",
          "Casino (1995)",
          "Jumanji (1995)",
          "Sabrina (1995)",
          "Balto (1995)");

  @TempDir Path dir;

  @Test
  void theAdapterChangesTheAnswersButNotTheCatalogEmbeddings() throws Exception {
    Path file = dir.resolve("tokenizer.json");
    List<String> corpus = new ArrayList<>(TITLES);
    corpus.add(FellRecExperiment.OPEN_TEMPLATE);
    TokenizerJsonWriter.writeByteLevelBpe(
        file,
        300,
        corpus,
        List.of(LlaraPromptConfig.HISTORY_TOKEN, LlaraPromptConfig.CANDIDATE_TOKEN));
    LlamaConfig c = ModelInit.decoderConfig("llama", 2, 32, 4, 2, 320, 0, 512);
    try (NDManager m = TensorRuntime.newManager();
        Tokenizer tok = Tokenizer.load(file);
        LlamaModel model =
            LlamaModel.load(
                c, WeightSource.ofFloats("random", RandomWeights.llama(c, 3, 0.2f)), m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add(
          "c", LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build(), 1);
      ParameterSet init = LoraParameters.read(lora, "c");
      float[] flat = new float[(int) init.numElements()];
      SplittableRandom r = new SplittableRandom(9);
      for (int i = 0; i < flat.length; i++) {
        flat[i] = (float) (r.nextGaussian() * 2);
      }
      ParameterSet moved = init.withFlatValues(flat);

      LlaraPrompt prompt =
          new LlaraPrompt(
              tok,
              ItemCatalog.of(TITLES),
              LlaraPromptConfig.movies(400).withTemplate(FellRecExperiment.OPEN_TEMPLATE));
      TextEmbedder embedder = new TextEmbedder(model, tok, 4, 32);
      lora.activate();
      float[][] items = ClientEvaluator.catalogEmbeddings(embedder, prompt);
      assertThat(items).hasDimensions(TITLES.size() + 1, 32);
      ClientEvaluator evaluator =
          new ClientEvaluator(model, lora, prompt, embedder, items, RecSample::history, 6, 2);
      List<RecSample> test =
          List.of(
              new RecSample(0, new int[] {1, 2}, new int[] {3, 4, 5, 6}, 3),
              new RecSample(1, new int[] {2, 5}, new int[] {1, 3, 4, 6}, 6),
              new RecSample(2, new int[] {6}, new int[] {1, 2, 4, 5}, 1));

      ClientEvaluator.Result a = evaluator.evaluate("c", init, test);
      ClientEvaluator.Result again = evaluator.evaluate("c", init, test);
      ClientEvaluator.Result b = evaluator.evaluate("c", moved, test);
      assertThat(a.samples()).isEqualTo(3);
      assertThat(a.hits()).isBetween(0, 3);
      assertThat(a.ranking().count()).isEqualTo(3);
      // Deterministic for the same parameters; other parameters give other answers.
      assertThat(again.generated()).isEqualTo(a.generated());
      assertThat(again.hits()).isEqualTo(a.hits());
      assertThat(again.ranking().meanRank()).isEqualTo(a.ranking().meanRank());
      assertThat(b.generated()).isNotEqualTo(a.generated());
      // Grounding embeds with the adapters off: the catalog comes out the same after evaluating.
      assertThat(ClientEvaluator.catalogEmbeddings(embedder, prompt)).isDeepEqualTo(items);
      assertThat(lora.active()).isEmpty();
      // The history is excluded: at most 6 - 2 other items can outrank sample 0's target.
      assertThat(a.ranking().meanRank()).isLessThan(TITLES.size());
    }
  }
}
