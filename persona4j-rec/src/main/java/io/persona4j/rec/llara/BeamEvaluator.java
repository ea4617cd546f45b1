/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The beam protocol: beam search of width {@code width} over each sample's {@link CandidateTrie}
 * ({@link TrieBeamSearch}), a generation protocol reported beside greedy constrained decoding
 * ({@link ConstrainedEvaluator}, width 1) and the likelihood ranking (which equals any width of at
 * least the number of candidates). Every output is a candidate (ValidRatio 1).
 */
public final class BeamEvaluator {
  private final LlaraModel model;
  private final PromptMode mode;
  private final int batchSize;
  private final int width;

  /**
   * @param mode the prompts' mode (LLaRA evaluates hybrid prompts)
   * @param batchSize samples scored per forward pass
   * @param width hypotheses kept, >= 1
   */
  public BeamEvaluator(LlaraModel model, PromptMode mode, int batchSize, int width) {
    this.model = Objects.requireNonNull(model, "model");
    this.mode = Objects.requireNonNull(mode, "mode");
    if (width < 1) {
      throw new IllegalArgumentException("beam width must be >= 1, got " + width);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (model.prompt().eosId() < 0) {
      throw new IllegalArgumentException(
          model.prompt().tokenizer().source() + " has no EOS token; beam search needs one");
    }
    this.batchSize = batchSize;
    this.width = width;
  }

  public int width() {
    return width;
  }

  /** Searches a candidate for every sample, in order. */
  public List<ConstrainedEvaluator.Choice> predict(List<RecSample> samples) {
    return choose(
        samples, new LikelihoodRanker(model, mode, batchSize, true).tokenLogProbs(samples));
  }

  /**
   * The beam's choice for each sample from token log-probabilities already computed by {@link
   * LikelihoodRanker#tokenLogProbs} (with EOS) for the same samples, mode and model.
   */
  public List<ConstrainedEvaluator.Choice> choose(
      List<RecSample> samples, double[][][] tokenLogProbs) {
    if (tokenLogProbs.length != samples.size()) {
      throw new IllegalArgumentException(
          tokenLogProbs.length + " log-probability sets for " + samples.size() + " samples");
    }
    LlaraPrompt prompt = model.prompt();
    List<ConstrainedEvaluator.Choice> out = new ArrayList<>(samples.size());
    for (int i = 0; i < samples.size(); i++) {
      RecSample s = samples.get(i);
      List<long[]> answers = new ArrayList<>();
      for (int c : s.candidates()) {
        answers.add(prompt.answerIds(c, true));
      }
      CandidateTrie trie = new CandidateTrie(answers, prompt.eosId());
      TrieBeamSearch.Result r = TrieBeamSearch.search(trie, answers, tokenLogProbs[i], width);
      out.add(new ConstrainedEvaluator.Choice(s, r.candidate(), answers.get(r.candidate())));
    }
    return out;
  }
}
