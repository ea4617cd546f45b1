/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.progress.Progress;
import io.persona4j.core.train.Autograd;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The constrained generation protocol: greedy decoding in which every step may only choose a token
 * that continues one of the sample's candidate answers ({@code " " + title + EOS}), following a
 * {@link CandidateTrie} as LC-Rec and TIGER constrain decoding to valid items. The output is always
 * exactly one candidate (ValidRatio 1); HitRatio@1 counts the samples whose output is the target.
 * It is the candidate reached by greedy choices among the allowed tokens, which is not necessarily
 * the candidate of highest total likelihood ({@link LikelihoodRanker}).
 *
 * <p>Candidates with the same tokens (duplicate titles) end at one leaf; the first of them in
 * candidate order is the prediction. Run the model in inference mode before evaluating.
 */
public final class ConstrainedEvaluator {
  /**
   * One constrained answer.
   *
   * @param candidate index of the chosen candidate in the sample's candidate list
   * @param tokens the generated tokens (EOS last)
   */
  public record Choice(RecSample sample, int candidate, long[] tokens) {
    public Choice {
      tokens = tokens.clone();
    }

    @Override
    public long[] tokens() {
      return tokens.clone();
    }

    /** The chosen item. */
    public int item() {
      return sample.candidates()[candidate];
    }

    /** Whether the chosen item is the target. */
    public boolean correct() {
      return item() == sample.target();
    }
  }

  private final LlaraModel model;
  private final PromptMode mode;
  private final int batchSize;

  /**
   * @param mode the prompts' mode (LLaRA evaluates hybrid prompts)
   * @param batchSize prompts decoded together
   */
  public ConstrainedEvaluator(LlaraModel model, PromptMode mode, int batchSize) {
    this.model = Objects.requireNonNull(model, "model");
    this.mode = Objects.requireNonNull(mode, "mode");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (mode == PromptMode.HYBRID && !model.supportsHybrid()) {
      throw new IllegalArgumentException("hybrid prompts need a model with an embedder");
    }
    if (model.prompt().eosId() < 0) {
      throw new IllegalArgumentException(
          model.prompt().tokenizer().source()
              + " has no EOS token; constrained decoding needs one");
    }
    this.batchSize = batchSize;
  }

  /** The trie of {@code sample}'s candidate answers (each followed by EOS). */
  public CandidateTrie trie(RecSample sample) {
    LlaraPrompt prompt = model.prompt();
    List<long[]> answers = new ArrayList<>();
    for (int c : sample.candidates()) {
      answers.add(prompt.answerIds(c, true));
    }
    return new CandidateTrie(answers, prompt.eosId());
  }

  /** Decodes a candidate for every sample, in order. */
  public List<Choice> predict(List<RecSample> samples) {
    LlaraPrompt prompt = model.prompt();
    List<Choice> out = new ArrayList<>(samples.size());
    Progress progress =
        Progress.start("constrained generation (samples)", Math.max(1, samples.size()));
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager m = TensorRuntime.newManager()) {
      for (int i = 0; i < samples.size(); i += batchSize) {
        List<RecSample> chunk = samples.subList(i, Math.min(samples.size(), i + batchSize));
        CandidateTrie[] tries = new CandidateTrie[chunk.size()];
        int longest = 1;
        for (int r = 0; r < tries.length; r++) {
          tries[r] = trie(chunk.get(r));
          longest = Math.max(longest, tries[r].longest());
        }
        List<EncodedPrompt> prompts = new ArrayList<>(chunk.size());
        for (RecSample s : chunk) {
          prompts.add(prompt.encodePrompt(s, mode, longest));
        }
        List<long[]> tokens = decode(prompts, tries, longest, m);
        for (int r = 0; r < chunk.size(); r++) {
          int leaf = tries[r].walk(tokens.get(r));
          if (leaf < 0 || tries[r].candidates(leaf).isEmpty()) {
            throw new IllegalStateException(
                "constrained decoding left the trie of sample " + (i + r) + " (a bug)");
          }
          out.add(new Choice(chunk.get(r), tries[r].candidates(leaf).get(0), tokens.get(r)));
        }
        progress.update(out.size());
      }
    }
    return out;
  }

  private List<long[]> decode(
      List<EncodedPrompt> prompts, CandidateTrie[] tries, int maxNewTokens, NDManager parent) {
    PromptBatch batch = PromptBatch.of(prompts, model.prompt().padId(), true);
    try (NDManager m = parent.newSubManager()) {
      model.beforeForward(batch.samples, m);
      return new Generator(model.decoder())
          .generateFromEmbeddings(
              model.embeds(batch, m), // [B, P, H]
              batch.valid,
              SamplingConfig.greedy(maxNewTokens, Set.of(model.prompt().eosId())),
              TokenListener.NONE,
              Generator.StopCondition.NONE,
              (row, generated, logits) -> tries[row].mask(tries[row].walk(generated), logits))
          .tokens();
    }
  }

  /** Counts of {@link #predict}: every prediction is valid. */
  public static RecMetrics metrics(List<Choice> choices) {
    long correct = choices.stream().filter(Choice::correct).count();
    return new RecMetrics(choices.size(), choices.size(), correct);
  }

  /** The metrics of {@link #predict}. */
  public RecMetrics evaluate(List<RecSample> samples) {
    return metrics(predict(samples));
  }
}
