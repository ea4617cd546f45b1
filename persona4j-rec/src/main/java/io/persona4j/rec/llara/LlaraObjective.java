/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.CrossEntropy;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.StepMetrics;
import io.persona4j.core.train.TrainingContext;
import io.persona4j.core.train.TrainingListener;
import io.persona4j.core.train.TrainingObjective;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * LLaRA's training objective for core's {@code Trainer}: cross-entropy on the answer tokens of
 * LLaRA prompts, with the curriculum that switches from text-only to hybrid prompts.
 *
 * <p><b>How the trainer's batches reach the samples.</b> {@link #register} encodes samples as
 * text-only training {@link Example}s, which are what the trainer is given (so its target and token
 * counts, its data order and its checkpoints work unchanged), and remembers the sample of each
 * example object. A {@link Batch} keeps its example objects ({@link Batch#examples()}), so {@link
 * #lossSum} finds the batch's samples by identity and builds the prompts of the mode it picks. The
 * answer tokens are the same in both modes, so the trainer's target count stays right (checked).
 *
 * <p><b>Curriculum</b> (LLaRA): the micro-batches of optimizer step {@code s} (1-based, as LLaRA's
 * collator counts) use hybrid prompts with probability {@code s / maxSteps}, else text-only ones;
 * the draw for the i-th micro-batch of a step comes from a generator seeded with (seed, step, i),
 * so a resumed run draws the same modes. {@link Curriculum#HYBRID} and {@link Curriculum#TEXT} fix
 * the mode instead. Evaluation ({@link #evaluate}) uses hybrid prompts when the model has an
 * embedder, as LLaRA evaluates. The step and the number of steps come from the trainer: register
 * this object as a listener too ({@code .addListener(objective)}); training without that fails.
 *
 * <p>LLaRA freezes the projector (requires_grad = False) in text-only batches, so Adam skips it
 * there; here {@link #frozenThisStep} names the projector's parameters after a step whose
 * micro-batches were all text-only, and the trainer leaves them out of that step's update (no
 * momentum, no weight decay, no Adam step count).
 */
public final class LlaraObjective implements TrainingObjective, TrainingListener {
  /** Which prompts the training batches use. */
  public enum Curriculum {
    /** LLaRA: hybrid with probability step / maxSteps. */
    CURRICULUM,
    /** Always hybrid prompts. */
    HYBRID,
    /** Always text-only prompts. */
    TEXT
  }

  private final LlaraModel model;
  private final Curriculum curriculum;
  private final long seed;
  private final Map<Example, Registered> samples = new IdentityHashMap<>();

  /** A registered example's sample and the history its text-only prompt kept. */
  private record Registered(RecSample sample, int historyKept, int promptLength) {}

  private long step = -1;
  private long maxSteps;
  private int call;
  private long hybridBatches;
  private long textBatches;
  private boolean hybridInStep;

  /**
   * @throws IllegalArgumentException if the curriculum needs hybrid prompts and the model has no
   *     embedder
   */
  public LlaraObjective(LlaraModel model, Curriculum curriculum, long seed) {
    this.model = Objects.requireNonNull(model, "model");
    this.curriculum = Objects.requireNonNull(curriculum, "curriculum");
    this.seed = seed;
    if (curriculum != Curriculum.TEXT && !model.supportsHybrid()) {
      throw new IllegalArgumentException(
          "curriculum " + curriculum + " needs hybrid prompts: give the LlaraModel an embedder");
    }
  }

  /**
   * Encodes {@code list} as text-only training examples (history truncated to the max length) and
   * remembers each example's sample; pass the result to the trainer (training or evaluation data).
   */
  public List<Example> register(List<RecSample> list) {
    List<Example> out = new ArrayList<>(list.size());
    for (RecSample s : list) {
      EncodedPrompt p = model.prompt().encode(s, PromptMode.TEXT);
      Example e = p.toExample();
      samples.put(e, new Registered(s, p.historyKept(), p.promptLength()));
      out.add(e);
    }
    return out;
  }

  /** The mode the {@code call}-th micro-batch (from 0) of 0-based step {@code step} uses. */
  public PromptMode modeAt(long step, int call, long maxSteps) {
    return switch (curriculum) {
      case HYBRID -> PromptMode.HYBRID;
      case TEXT -> PromptMode.TEXT;
      case CURRICULUM -> {
        double p = (double) (step + 1) / maxSteps;
        long mixed = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + call;
        yield new SplittableRandom(mixed).nextDouble() < p ? PromptMode.HYBRID : PromptMode.TEXT;
      }
    };
  }

  /** Training micro-batches run with hybrid prompts so far. */
  public long hybridBatches() {
    return hybridBatches;
  }

  /** Training micro-batches run with text-only prompts so far. */
  public long textBatches() {
    return textBatches;
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    step = context.step();
    maxSteps = context.maxSteps();
    call = 0;
  }

  @Override
  public void onStep(TrainingContext context, StepMetrics metrics) {
    step = context.step();
    call = 0;
  }

  @Override
  public NDArray lossSum(Batch batch, NDManager m) {
    if (step < 0) {
      throw new IllegalStateException(
          "LlaraObjective does not know the training step: register it as a trainer listener"
              + " too (Trainer.Builder.addListener(objective))");
    }
    if (call == 0) {
      hybridInStep = false;
    }
    PromptMode mode = modeAt(step, call++, maxSteps);
    if (mode == PromptMode.HYBRID) {
      hybridBatches++;
      hybridInStep = true;
    } else {
      textBatches++;
    }
    return loss(batch, mode, m);
  }

  /**
   * The projector's parameters (as {@link ItemProjector#parameters()} names them) after a step
   * whose micro-batches were all text-only, else none: LLaRA's freezing of the projector on
   * text-only batches.
   */
  @Override
  public Set<String> frozenThisStep() {
    if (hybridInStep || !model.supportsHybrid()) {
      return Set.of();
    }
    return model.embedder().projector().parameters().keySet();
  }

  /** Evaluation with hybrid prompts (text-only when the model has no embedder). */
  @Override
  public Evaluation evaluate(Batch batch, NDManager m) {
    PromptMode mode = model.supportsHybrid() ? PromptMode.HYBRID : PromptMode.TEXT;
    return new Evaluation(loss(batch, mode, m).getFloat(), batch.targetCount(), -1);
  }

  /** The summed answer-token cross-entropy of {@code batch}'s samples in {@code mode}. */
  public NDArray loss(Batch batch, PromptMode mode, NDManager m) {
    List<EncodedPrompt> prompts = new ArrayList<>(batch.size());
    for (Example e : batch.examples()) {
      Registered r = samples.get(e);
      if (r == null) {
        throw new IllegalArgumentException(
            "a batch example was not made by this objective's register(); pass the trainer the"
                + " examples register() returned");
      }
      prompts.add(
          mode == PromptMode.TEXT
              ? new EncodedPrompt(
                  r.sample,
                  mode,
                  e.ids(),
                  e.labels(),
                  r.promptLength,
                  r.historyKept,
                  new int[0],
                  new int[0])
              : model.prompt().encode(r.sample, mode));
    }
    PromptBatch b = PromptBatch.of(prompts, model.prompt().padId(), false);
    if (b.targetCount != batch.targetCount()) {
      throw new IllegalStateException(
          "the "
              + mode
              + " prompts have "
              + b.targetCount
              + " answer tokens, the batch "
              + batch.targetCount());
    }
    NDArray logits = model.decoder().lmHead(model.hidden(b, m)); // [B, T, V]
    return CrossEntropy.tokenSum(logits, b.targets(m), b.weights(m));
  }
}
