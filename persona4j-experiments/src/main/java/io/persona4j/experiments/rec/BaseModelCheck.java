/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.rec.llara.AnswerMatch;
import io.persona4j.rec.llara.BatchHook;
import io.persona4j.rec.llara.GenerationEvaluator;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.LlaraModel;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.PromptMode;
import io.persona4j.rec.llara.RecMetrics;
import io.persona4j.rec.llara.RecSample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a base model can do on LLaRA's task before any adapter: free greedy generation on text-only
 * prompts (the base has no item projector), judged as the experiments judge it (valid when exactly
 * one candidate title appears, case-insensitively). ValidRatio says whether the model copies a
 * listed title; HR@1 of a base pre-trained on the copying corpus should be near chance (1 / 20),
 * since its answers were random candidates.
 */
public final class BaseModelCheck {
  /**
   * The outcome.
   *
   * @param metrics ValidRatio and HR@1 over the samples
   * @param predictions each sample's generated text and judgement, in order
   * @param seconds wall time of the generation
   */
  public record Result(
      RecMetrics metrics, List<GenerationEvaluator.Prediction> predictions, double seconds) {}

  private BaseModelCheck() {}

  /** Generates an answer for each of {@code samples} with the base model in {@code base}. */
  public static Result run(
      Path base, ItemCatalog catalog, List<RecSample> samples, int maxPrompt, int batch)
      throws IOException {
    long t0 = System.nanoTime();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(base, m);
        Tokenizer tok = Tokenizer.fromDirectory(base)) {
      LlaraPrompt prompt = new LlaraPrompt(tok, catalog, LlaraPromptConfig.movies(maxPrompt));
      LlaraModel model = new LlaraModel(lm, prompt, null, BatchHook.NONE);
      List<GenerationEvaluator.Prediction> p =
          new GenerationEvaluator(
                  model,
                  PromptMode.TEXT,
                  LlmRecRun.MAX_NEW_TOKENS,
                  batch, /* caseSensitive */
                  false)
              .predict(samples);
      RecMetrics metrics =
          AnswerMatch.metrics(p.stream().map(GenerationEvaluator.Prediction::match).toList());
      return new Result(metrics, p, (System.nanoTime() - t0) / 1e9);
    }
  }

  /**
   * Writes {@code r} as JSON ({@code format_version}, counts, ratios, seconds, the first {@code
   * examples} generations) into {@code file}, atomically.
   */
  public static void write(Result r, ItemCatalog catalog, int examples, Path file)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    FormatVersion.stamp(root, 1);
    root.put("protocol", "free greedy generation, text-only LLaRA prompts, validation users");
    root.put("samples", r.metrics().total());
    root.put("valid", r.metrics().valid());
    root.put("correct", r.metrics().correct());
    root.put("valid_ratio", r.metrics().validRatio());
    root.put("hr1", r.metrics().hitRatio());
    root.put("seconds", r.seconds());
    ArrayNode ex = root.putArray("examples");
    for (int i = 0; i < Math.min(examples, r.predictions().size()); i++) {
      GenerationEvaluator.Prediction p = r.predictions().get(i);
      ex.addObject()
          .put("user", p.sample().user())
          .put("target", catalog.title(p.sample().target()))
          .put("generated", p.generated())
          .put("valid", p.match().valid());
    }
    AtomicFiles.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }
}
