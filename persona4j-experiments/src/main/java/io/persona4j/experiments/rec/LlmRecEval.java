/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.moe.MoeLoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.rec.llara.AnswerMatch;
import io.persona4j.rec.llara.ConstrainedEvaluator;
import io.persona4j.rec.llara.GenerationEvaluator;
import io.persona4j.rec.llara.HybridEmbedder;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.ItemProjector;
import io.persona4j.rec.llara.LikelihoodRanker;
import io.persona4j.rec.llara.LlaraModel;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.PromptMode;
import io.persona4j.rec.llara.RecMetrics;
import io.persona4j.rec.llara.RecSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Evaluates a saved LLM recommender: the base model, an adapter directory written by {@link
 * LlmRecRun} (PEFT files + iLoRA gate + {@code projector.safetensors}) and the SASRec model whose
 * item vectors and sequence representations it was trained with.
 */
public final class LlmRecEval {
  /** The three protocols' metrics: free generation, likelihood ranking, constrained decoding. */
  public record Metrics(
      RecMetrics generation, RecMetrics likelihood, RecMetrics constrained, double seconds) {}

  private LlmRecEval() {}

  /**
   * @param predictions if not null, one JSON line per sample is written there
   * @throws IOException naming the file for a missing projector or a bad adapter
   */
  public static Metrics evaluate(
      Path baseModel,
      Path adapter,
      ItemCatalog catalog,
      SequenceEncoder encoder,
      List<RecSample> samples,
      int maxPrompt,
      int batch,
      Path predictions)
      throws IOException {
    Path projectorFile = adapter.resolve("projector.safetensors");
    if (!Files.isRegularFile(projectorFile)) {
      throw new IOException(
          projectorFile
              + ": missing; is "
              + adapter
              + " an adapter written by persona4j rec train?");
    }
    long start = System.nanoTime();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(baseModel, m);
        Tokenizer tok = Tokenizer.fromDirectory(baseModel);
        ItemProjector projector = ItemProjector.load(projectorFile, m);
        MoeLoraModel moe = MoeLoraModel.of(lm, m)) {
      moe.load(adapter, LlmRecRun.ADAPTER);
      moe.train(false);
      float[][] items = encoder.itemVectors();
      LlaraModel llara =
          new LlaraModel(
              lm,
              new LlaraPrompt(tok, catalog, LlaraPromptConfig.movies(maxPrompt)),
              new HybridEmbedder(lm, projector, items),
              LlmRecRun.gateHook(moe, encoder, items[0].length));
      List<GenerationEvaluator.Prediction> p =
          new GenerationEvaluator(llara, PromptMode.HYBRID, LlmRecRun.MAX_NEW_TOKENS, batch, false)
              .predict(samples);
      List<ConstrainedEvaluator.Choice> choices =
          new ConstrainedEvaluator(llara, PromptMode.HYBRID, batch).predict(samples);
      if (predictions != null) {
        LlmRecRun.writePredictions(predictions, p, choices, catalog);
      }
      RecMetrics gen =
          AnswerMatch.metrics(p.stream().map(GenerationEvaluator.Prediction::match).toList());
      RecMetrics lik =
          new LikelihoodRanker(llara, PromptMode.HYBRID, Math.max(1, batch / 4), true)
              .evaluate(samples);
      return new Metrics(
          gen, lik, ConstrainedEvaluator.metrics(choices), (System.nanoTime() - start) / 1e9);
    }
  }
}
