/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.progress.Progress;
import io.persona4j.core.train.Autograd;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * LLaRA's generation protocol: greedy decoding of each prompt (batched, at most {@code
 * maxNewTokens} tokens, stopping at EOS or a line break), then {@link AnswerMatch}: valid when
 * exactly one candidate title occurs in the output's first line, correct when it is the target.
 * ValidRatio = valid / total, HitRatio@1 = correct / total ({@link RecMetrics}).
 *
 * <p>Prompts reserve {@code maxNewTokens} positions of the max length (older history is truncated
 * to make room). Run the model in inference mode (LoRA dropout off) before evaluating.
 */
public final class GenerationEvaluator {
  /** One generated answer and its judgement. */
  public record Prediction(RecSample sample, String generated, AnswerMatch match) {}

  private final LlaraModel model;
  private final PromptMode mode;
  private final int maxNewTokens;
  private final int batchSize;
  private final boolean caseSensitive;

  /**
   * @param mode the prompts' mode (LLaRA evaluates hybrid prompts)
   * @param maxNewTokens tokens to generate at most (LLaRA's default 64; titles need far fewer)
   * @param batchSize prompts decoded together
   * @param caseSensitive match titles case-sensitively (LLaRA: false)
   */
  public GenerationEvaluator(
      LlaraModel model, PromptMode mode, int maxNewTokens, int batchSize, boolean caseSensitive) {
    this.model = Objects.requireNonNull(model, "model");
    this.mode = Objects.requireNonNull(mode, "mode");
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (mode == PromptMode.HYBRID && !model.supportsHybrid()) {
      throw new IllegalArgumentException("hybrid prompts need a model with an embedder");
    }
    this.maxNewTokens = maxNewTokens;
    this.batchSize = batchSize;
    this.caseSensitive = caseSensitive;
  }

  /** Generates and judges an answer for every sample, in order. */
  public List<Prediction> predict(List<RecSample> samples) {
    GreedyDecoder decoder = new GreedyDecoder(model);
    LlaraPrompt prompt = model.prompt();
    List<Prediction> out = new ArrayList<>(samples.size());
    Progress progress = Progress.start("generation (samples)", Math.max(1, samples.size()));
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager m = TensorRuntime.newManager()) {
      for (int i = 0; i < samples.size(); i += batchSize) {
        List<RecSample> chunk = samples.subList(i, Math.min(samples.size(), i + batchSize));
        List<EncodedPrompt> prompts = new ArrayList<>(chunk.size());
        for (RecSample s : chunk) {
          prompts.add(prompt.encodePrompt(s, mode, maxNewTokens));
        }
        List<long[]> tokens = decoder.decode(prompts, maxNewTokens, m);
        for (int r = 0; r < chunk.size(); r++) {
          RecSample s = chunk.get(r);
          String text = prompt.tokenizer().decode(tokens.get(r), true);
          out.add(new Prediction(s, text, judge(text, s)));
        }
        progress.update(out.size());
      }
    }
    return out;
  }

  /**
   * Judges {@code generated} against {@code sample}'s candidates with this evaluator's matching.
   */
  public AnswerMatch judge(String generated, RecSample sample) {
    ItemCatalog catalog = model.prompt().catalog();
    List<String> titles = new ArrayList<>();
    for (int c : sample.candidates()) {
      titles.add(catalog.title(c));
    }
    return AnswerMatch.judge(generated, titles, catalog.title(sample.target()), caseSensitive);
  }

  /** The metrics of {@link #predict}. */
  public RecMetrics evaluate(List<RecSample> samples) {
    return AnswerMatch.metrics(predict(samples).stream().map(Prediction::match).toList());
  }
}
