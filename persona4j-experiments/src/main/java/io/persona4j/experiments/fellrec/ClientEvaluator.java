/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.rec.eval.RankingMetrics;
import io.persona4j.rec.llara.BatchHook;
import io.persona4j.rec.llara.GenerationEvaluator;
import io.persona4j.rec.llara.LikelihoodRanker;
import io.persona4j.rec.llara.LlaraModel;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.PromptMode;
import io.persona4j.rec.llara.RecSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Evaluates one client's adapter on the client's own test samples with two protocols:
 *
 * <ul>
 *   <li>candidate HitRatio@1: the 20 candidates ranked by the likelihood of their titles (+ EOS)
 *       after the open prompt ({@link LikelihoodRanker}; the prompt does not list the candidates);
 *   <li>full ranking (BIGRec grounding): greedy generation of an answer, whose first line is
 *       embedded by the frozen base model ({@link TextEmbedder}, adapters off) and every catalog
 *       title the same way (precomputed once); items ranked by L2 distance with the user's earlier
 *       items excluded; Recall@10 and NDCG@10.
 * </ul>
 */
public final class ClientEvaluator {
  /**
   * One client's results.
   *
   * @param hit1 per test sample, whether the target ranked first among the candidates
   * @param ranks per test sample, the target's 0-based full-ranking rank
   */
  public record Result(
      int samples,
      int hits,
      RankingMetrics ranking,
      List<String> generated,
      boolean[] hit1,
      int[] ranks) {}

  private final LlamaModel model;
  private final LoraModel lora;
  private final LlaraPrompt prompt;
  private final TextEmbedder embedder;
  private final float[][] catalog;
  private final Function<RecSample, int[]> excluded;
  private final int maxNewTokens;
  private final int batch;

  /**
   * @param catalog {@code catalog[i]} the base model's embedding of item {@code i}'s answer text
   *     (row 0 unused)
   * @param excluded the items not to rank for a sample (the user's earlier items)
   */
  public ClientEvaluator(
      LlamaModel model,
      LoraModel lora,
      LlaraPrompt prompt,
      TextEmbedder embedder,
      float[][] catalog,
      Function<RecSample, int[]> excluded,
      int maxNewTokens,
      int batch) {
    this.model = Objects.requireNonNull(model, "model");
    this.lora = Objects.requireNonNull(lora, "lora");
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.embedder = Objects.requireNonNull(embedder, "embedder");
    this.catalog = catalog;
    this.excluded = Objects.requireNonNull(excluded, "excluded");
    this.maxNewTokens = maxNewTokens;
    this.batch = batch;
  }

  /** The embeddings of every catalog item's answer text ({@code " " + title}) by {@code e}. */
  public static float[][] catalogEmbeddings(TextEmbedder e, LlaraPrompt prompt) {
    int n = prompt.catalog().itemCount();
    List<String> texts = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      texts.add(prompt.answer(i));
    }
    float[][] rows = e.embed(texts);
    float[][] out = new float[n + 1][];
    out[0] = new float[rows[0].length];
    System.arraycopy(rows, 0, out, 1, n);
    return out;
  }

  /** Loads {@code params} into {@code adapter} and evaluates it on {@code test}. */
  public Result evaluate(String adapter, ParameterSet params, List<RecSample> test) {
    if (test.isEmpty()) {
      return new Result(0, 0, new RankingMetrics(), List.of(), new boolean[0], new int[0]);
    }
    synchronized (lora) {
      lora.activate(adapter);
      LoraParameters.load(lora, adapter, params);
      lora.train(false);
      LlaraModel llara = new LlaraModel(model, prompt, null, BatchHook.NONE);
      double[][] scores =
          new LikelihoodRanker(llara, PromptMode.TEXT, Math.max(1, batch / 4), true).scores(test);
      int hits = 0;
      boolean[] hit1 = new boolean[test.size()];
      for (int i = 0; i < test.size(); i++) {
        if (argmax(scores[i]) == test.get(i).targetIndex()) {
          hits++;
          hit1[i] = true;
        }
      }
      List<String> generated = new ArrayList<>();
      for (GenerationEvaluator.Prediction p :
          new GenerationEvaluator(llara, PromptMode.TEXT, maxNewTokens, batch, false)
              .predict(test)) {
        generated.add(firstLine(p.generated()));
      }
      lora.activate();
      RankingMetrics ranking = new RankingMetrics();
      List<String> texts = generated.stream().map(g -> g.isBlank() ? " " : " " + g).toList();
      float[][] q = embedder.embed(texts);
      int[] ranks = new int[test.size()];
      for (int i = 0; i < test.size(); i++) {
        RecSample s = test.get(i);
        ranks[i] = GroundedRanking.rank(catalog, q[i], s.target(), excluded.apply(s));
        ranking.add(ranks[i]);
      }
      return new Result(test.size(), hits, ranking, generated, hit1, ranks);
    }
  }

  /**
   * Loads {@code params} into {@code adapter} and returns, per sample, the index of the candidate
   * with the highest likelihood (the likelihood protocol only: no generation). Used on validation
   * samples to choose hyper-parameters and to measure how far an adapter moves the base model's
   * ranking (compare with the zero-B initial adapter, which equals the base model).
   */
  public int[] top1(String adapter, ParameterSet params, List<RecSample> samples) {
    if (samples.isEmpty()) {
      return new int[0];
    }
    synchronized (lora) {
      lora.activate(adapter);
      LoraParameters.load(lora, adapter, params);
      lora.train(false);
      LlaraModel llara = new LlaraModel(model, prompt, null, BatchHook.NONE);
      double[][] scores =
          new LikelihoodRanker(llara, PromptMode.TEXT, Math.max(1, batch / 4), true)
              .scores(samples);
      lora.activate();
      int[] out = new int[samples.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = argmax(scores[i]);
      }
      return out;
    }
  }

  private static int argmax(double[] s) {
    int best = 0;
    for (int c = 1; c < s.length; c++) {
      if (s[c] > s[best]) {
        best = c;
      }
    }
    return best;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl >= 0 ? s.substring(0, nl) : s).strip();
  }
}
