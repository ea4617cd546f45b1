/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.CrossEntropy;
import io.persona4j.core.train.DataOrder;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.GradientClipping;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.TrainingStep;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The client of split learning: it keeps the token embedding, the front layers {@code [0, k)}, the
 * tail layers, the final norm, the LM head, its examples and their labels, and trains the LoRA
 * adapter of its own layers. See {@link SplitStage} for the stages and {@link SplitProtocol} for
 * what each message carries.
 *
 * <p>Each step is an explicit state machine: {@code IDLE --front_forward--> AWAITING_MIDDLE
 * --tail--> AWAITING_FRONT_GRADIENT --front_backward--> IDLE}, with clipping on ({@link
 * SplitClientConfig#clips()}) {@code ... --front_backward--> AWAITING_CLIP --clip_step--> IDLE};
 * {@code abort} returns to {@code IDLE} from any state, {@code local} (no split only) is a whole
 * step from {@code IDLE}. A stage out of order, for another step, or with malformed tensors gets an
 * error reply and leaves the state unchanged. The pending step keeps the recorded graph of the
 * front layers (no recomputation) until its {@code front_backward}.
 *
 * <p>{@link #fit} never throws: whatever goes wrong with a stage (a malformed, mismatched or
 * out-of-order message, a diverged loss) is an error reply naming the stage, on which the server
 * aborts the step.
 *
 * <p>The client owns its {@link LlamaModel} and {@link LoraModel} (a pending step's graph reads the
 * adapter's arrays, so no other client may change them between stages); its stages run one at a
 * time ({@code synchronized}). A split step is core's {@link TrainingStep} cut in two: the data
 * order ({@link DataOrder}), the engine seeding, the loss (summed token cross-entropy over the
 * batch's target count, {@link TrainingStep#meanLoss}), its finiteness check, the global-norm
 * clipping ({@link GradientClipping}) and the AdamW updates are the same code an ordinary step
 * runs, so that a split step equals an ordinary step; without a split ({@code local}) the client
 * runs {@link TrainingStep#run} itself. LoRA dropout, if configured, draws from each unit's own
 * seeded stream. The front layers may carry no trainable tensor (an adapter on later layers only):
 * then the gradient the server sends for them is checked and dropped.
 */
public final class SplitClientApp implements ClientApp, AutoCloseable {

  /** Where the client is within a step. */
  public enum State {
    /** Between steps. */
    IDLE,
    /** Hidden states of layer k sent; waiting for the server's output. */
    AWAITING_MIDDLE,
    /** Tail done and gradient sent; waiting for the gradient of layer k's output. */
    AWAITING_FRONT_GRADIENT,
    /** Clipping on: squared gradient norm sent; waiting for the server's scale. */
    AWAITING_CLIP
  }

  private final LlamaModel model;
  private final LoraModel lora;
  private final List<Example> data;
  private final EvalBatches eval;
  private final SplitConfig split;
  private final SplitClientConfig config;
  private final TrainableParameters front;
  private final TrainableParameters tail;
  private final AdamW optimizer;
  private State state = State.IDLE;
  private int completedSteps;
  private final DataOrder order;
  private long cursor;
  private Pending pending;

  /** The arrays of the step in progress, all on {@code manager}. */
  private record Pending(
      int step,
      NDManager manager,
      Batch batch,
      boolean[][] valid,
      LayerInputs inputs,
      NDArray frontOutput,
      double loss,
      boolean eval) {
    Pending withLoss(double l) {
      return new Pending(step, manager, batch, valid, inputs, frontOutput, l, eval);
    }
  }

  /**
   * A client training adapter {@code adapter} of {@code lora} (which adapts {@code model}) on its
   * layers of {@code split}.
   *
   * @throws IllegalArgumentException if the adapter is missing, the split does not fit the model,
   *     there are no examples, or the client's layers carry no trainable LoRA tensor
   */
  public SplitClientApp(
      LlamaModel model,
      LoraModel lora,
      String adapter,
      List<Example> data,
      SplitConfig split,
      SplitClientConfig config) {
    this(model, lora, adapter, data, data, split, config);
  }

  /**
   * As {@link #SplitClientApp(LlamaModel, LoraModel, String, List, SplitConfig,
   * SplitClientConfig)}, evaluating on {@code evalData} (in batches of {@code batchSize}, in order)
   * when the server asks for an evaluation pass ({@link SplitProtocol#EVAL_BATCH}).
   */
  public SplitClientApp(
      LlamaModel model,
      LoraModel lora,
      String adapter,
      List<Example> data,
      List<Example> evalData,
      SplitConfig split,
      SplitClientConfig config) {
    this.model = Objects.requireNonNull(model, "model");
    this.lora = Objects.requireNonNull(lora, "lora");
    this.split = Objects.requireNonNull(split, "split");
    this.config = Objects.requireNonNull(config, "config");
    SplitParameters.requireFits(split, model);
    SplitParameters.requireAdapter(lora, adapter);
    if (data == null || data.isEmpty()) {
      throw new IllegalArgumentException("data must hold at least one example");
    }
    this.data = List.copyOf(data);
    this.eval = new EvalBatches(evalData, config.batchSize(), config.padId());
    this.order = new DataOrder(data.size(), config.seed(), config.shuffle());
    lora.activate(adapter);
    lora.train(true);
    Map<String, NDArray> all = lora.adapterTensors(adapter);
    int n = split.numLayers();
    Map<String, NDArray> frontParams =
        SplitParameters.ofLayers(all, 0, split.isSplit() ? split.frontLayers() : n);
    Map<String, NDArray> tailParams = SplitParameters.ofLayers(all, split.serverTo(), n);
    if (frontParams.isEmpty() && tailParams.isEmpty()) {
      throw new IllegalArgumentException("adapter '" + adapter + "' has no tensor on the client");
    }
    this.front = frontParams.isEmpty() ? null : TrainableParameters.of(frontParams);
    this.tail =
        !split.isSplit() || tailParams.isEmpty() ? null : TrainableParameters.of(tailParams);
    this.optimizer = AdamW.builder().optWeightDecay(config.weightDecay()).build();
  }

  /** The current state. */
  public synchronized State state() {
    return state;
  }

  /** Steps completed. */
  public synchronized int completedSteps() {
    return completedSteps;
  }

  @Override
  public synchronized Reply fit(Instruction in) {
    SplitStage stage;
    int step;
    int evalBatch;
    try {
      stage = SplitProtocol.stageOf(in);
      step = SplitProtocol.stepOf(in);
      evalBatch = SplitProtocol.evalBatchOf(in);
    } catch (IllegalArgumentException e) {
      return Reply.error(in, e.getMessage());
    }
    String mismatch = SplitProtocol.splitMismatch(in, split);
    if (mismatch != null) {
      return Reply.error(in, "split stage '" + stage.wireName() + "': " + mismatch);
    }
    if (stage == SplitStage.ABORT) {
      release();
      return Reply.ok(in, ParameterSet.empty(), 0, Map.of());
    }
    String outOfOrder = checkOrder(stage, step);
    if (outOfOrder != null) {
      return Reply.error(in, outOfOrder);
    }
    try {
      if (evalBatch >= 0) {
        eval.batch(evalBatch); // checks the index
      }
      if (stage == SplitStage.TAIL && (evalBatch >= 0) != pending.eval()) {
        throw new IllegalArgumentException(
            "the pending step is " + (pending.eval() ? "an evaluation" : "a training step"));
      }
      lora.train(evalBatch < 0); // LoRA dropout off while evaluating
      return switch (stage) {
        case LOCAL -> evalBatch >= 0 ? localEval(in, evalBatch) : local(in);
        case FRONT_FORWARD -> frontForward(in, step, evalBatch);
        case TAIL -> pending.eval() ? tailEval(in) : tail(in);
        case FRONT_BACKWARD -> frontBackward(in);
        case CLIP_STEP -> clipStep(in);
        case ABORT -> throw new AssertionError();
      };
    } catch (IllegalArgumentException | IllegalStateException e) {
      // a malformed or mismatched message from the server, or a diverged step: an error reply
      return Reply.error(in, "split stage '" + stage.wireName() + "': " + e.getMessage());
    } catch (RuntimeException e) {
      return Reply.error(in, "split stage '" + stage.wireName() + "' failed: " + e);
    } finally {
      lora.train(true);
    }
  }

  /** Why {@code stage} of {@code step} cannot run now, or null if it can. */
  private String checkOrder(SplitStage stage, int step) {
    State want =
        switch (stage) {
          case LOCAL, FRONT_FORWARD -> State.IDLE;
          case TAIL -> State.AWAITING_MIDDLE;
          case FRONT_BACKWARD -> State.AWAITING_FRONT_GRADIENT;
          case CLIP_STEP -> State.AWAITING_CLIP;
          case ABORT -> state;
        };
    if (stage == SplitStage.LOCAL && split.isSplit()) {
      return "split stage 'local' needs k = 0, but this client splits at k = "
          + split.frontLayers();
    }
    if (stage == SplitStage.FRONT_FORWARD && !split.isSplit()) {
      return "split stage 'front_forward' needs k > 0, but this client does not split (k = 0)";
    }
    if (stage == SplitStage.CLIP_STEP && !config.clips()) {
      return "split stage 'clip_step' needs clipping, but this client has maxGradNorm "
          + config.maxGradNorm();
    }
    if (state != want) {
      return "split stage '"
          + stage.wireName()
          + "' for step "
          + step
          + " is out of order: the client is "
          + state
          + (pending == null ? "" : " in step " + pending.step())
          + " and expects "
          + expected();
    }
    int wantStep = pending == null ? completedSteps + 1 : pending.step();
    if (step != wantStep) {
      return "split stage '"
          + stage.wireName()
          + "' names step "
          + step
          + ", but the client is at step "
          + wantStep;
    }
    return null;
  }

  private String expected() {
    return switch (state) {
      case IDLE -> split.isSplit() ? "'front_forward'" : "'local'";
      case AWAITING_MIDDLE -> "'tail'";
      case AWAITING_FRONT_GRADIENT -> "'front_backward'";
      case AWAITING_CLIP -> "'clip_step'";
    };
  }

  /** A whole step without a split: exactly core's training step on this client's batch. */
  private Reply local(Instruction in) {
    Batch batch = nextBatch();
    try (NDManager m = TensorRuntime.newManager()) {
      TrainingStep.Result r =
          TrainingStep.run(
              config.seed(),
              completedSteps,
              List.of(batch),
              CausalLmObjective.of(model),
              front,
              optimizer,
              config.learningRate(),
              config.clips() ? config.maxGradNorm() : 0,
              m);
      completedSteps++;
      return Reply.ok(in, ParameterSet.empty(), batch.size(), Map.of(Reply.LOSS, r.loss()));
    }
  }

  private Reply localEval(Instruction in, int i) {
    Batch batch = eval.batch(i);
    try (NDManager m = TensorRuntime.newManager();
        Autograd.NoGrad ignored = Autograd.noGrad()) {
      NDArray logits = model.logits(batch.ids(m), batch.attentionMask(m));
      return eval.reply(
          in, CrossEntropy.tokenSum(logits, batch.targets(m), batch.weights(m)), batch);
    }
  }

  private Reply tailEval(Instruction in) {
    Pending p = pending;
    NDManager m = p.manager();
    NDArray middle =
        SplitProtocol.array(
            in.parameters(), SplitProtocol.HIDDEN_MIDDLE, p.frontOutput().getShape(), m);
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      Reply r = eval.reply(in, tailLossSum(middle, p), p.batch());
      release();
      return r;
    }
  }

  /**
   * The summed token loss of the pending batch from the server's output {@code middle}: the tail
   * layers, the final norm, the LM head and cross-entropy.
   */
  private NDArray tailLossSum(NDArray middle, Pending p) {
    NDArray x =
        model.layers(
            middle, p.inputs().positions(), p.inputs().mask(), split.serverTo(), split.numLayers());
    NDArray logits = model.lmHead(model.finalNorm(x)); // [B, T, V]
    NDManager m = p.manager();
    return CrossEntropy.tokenSum(logits, p.batch().targets(m), p.batch().weights(m));
  }

  private Reply frontForward(Instruction in, int step, int evalBatch) {
    boolean evaluating = evalBatch >= 0;
    if (!evaluating) {
      TrainingStep.seedEngine(config.seed(), completedSteps); // as an ordinary step does
    }
    Batch batch = evaluating ? eval.batch(evalBatch) : nextBatch();
    NDManager m = TensorRuntime.newManager();
    try {
      long[] att = batch.attentionMask(m).toLongArray();
      boolean[][] valid = new boolean[batch.size()][batch.length()];
      float[] mask = new float[att.length];
      for (int i = 0; i < att.length; i++) {
        valid[i / batch.length()][i % batch.length()] = att[i] != 0;
        mask[i] = att[i] != 0 ? 1f : 0f;
      }
      LayerInputs inputs = LayerInputs.of(model, valid, m);
      if (front != null) {
        front.zeroGradients();
      }
      NDArray out;
      if (evaluating) {
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
          out = frontLayers(batch, inputs, m);
        }
      } else {
        try (Autograd.Recording ignored = Autograd.record()) {
          out = frontLayers(batch, inputs, m);
        }
      }
      ParameterSet.Builder b = ParameterSet.builder();
      SplitProtocol.add(b, SplitProtocol.HIDDEN_FRONT, out);
      b.add(SplitProtocol.ATTENTION_MASK, new int[] {batch.size(), batch.length()}, mask);
      pending = new Pending(step, m, batch, valid, inputs, out, Double.NaN, evaluating);
      state = State.AWAITING_MIDDLE;
      Map<String, Double> metrics =
          evaluating ? Map.of(SplitProtocol.EVAL_BATCHES, (double) eval.count()) : Map.of();
      return Reply.ok(in, b.build(), batch.size(), metrics);
    } catch (RuntimeException e) {
      if (pending == null || pending.manager() != m) {
        m.close();
      }
      throw e;
    }
  }

  private NDArray frontLayers(Batch batch, LayerInputs inputs, NDManager m) {
    NDArray embeds = model.embed(batch.ids(m)); // frozen: no gradient
    return model.layers(embeds, inputs.positions(), inputs.mask(), 0, split.frontLayers());
  }

  private Reply tail(Instruction in) {
    Pending p = pending;
    NDManager m = p.manager();
    Shape shape = p.frontOutput().getShape();
    NDArray middle = SplitProtocol.array(in.parameters(), SplitProtocol.HIDDEN_MIDDLE, shape, m);
    middle.setRequiresGradient(true);
    if (tail != null) {
      tail.zeroGradients();
    }
    NDArray loss;
    try (Autograd.Recording ignored = Autograd.record()) {
      loss = TrainingStep.meanLoss(tailLossSum(middle, p), p.batch().targetCount(), m);
    }
    double value = loss.getFloat();
    TrainingStep.requireFiniteLoss(p.step(), value, config.learningRate());
    Autograd.backward(loss, m.ones(loss.getShape()));
    NDArray grad = Autograd.gradientOf(middle, m);
    if (grad == null) {
      throw new IllegalStateException("no gradient reached the server's hidden states");
    }
    if (tail != null && !config.clips()) {
      optimizer.step(tail, config.learningRate());
      tail.zeroGradients();
    }
    ParameterSet.Builder b = ParameterSet.builder();
    SplitProtocol.add(b, SplitProtocol.GRAD_MIDDLE, grad);
    pending = p.withLoss(value);
    state = State.AWAITING_FRONT_GRADIENT;
    return Reply.ok(in, b.build(), p.batch().size(), Map.of(Reply.LOSS, value));
  }

  private Reply frontBackward(Instruction in) {
    Pending p = pending;
    NDArray grad =
        SplitProtocol.array(
            in.parameters(), SplitProtocol.GRAD_FRONT, p.frontOutput().getShape(), p.manager());
    if (front != null) { // without trainable front tensors there is nothing to backpropagate into
      Autograd.backward(p.frontOutput(), grad);
    }
    if (config.clips()) {
      double sq = GradientClipping.squaredNorm(front) + GradientClipping.squaredNorm(tail);
      state = State.AWAITING_CLIP;
      return Reply.ok(
          in,
          ParameterSet.empty(),
          p.batch().size(),
          Map.of(Reply.LOSS, p.loss(), SplitProtocol.GRAD_SQUARED_NORM, sq));
    }
    if (front != null) {
      optimizer.step(front, config.learningRate());
    }
    completedSteps++;
    release();
    return Reply.ok(in, ParameterSet.empty(), p.batch().size(), Map.of(Reply.LOSS, p.loss()));
  }

  /** Clipping on: scales the step's front and tail gradients by the server's scale and updates. */
  private Reply clipStep(Instruction in) {
    Pending p = pending;
    double scale = SplitProtocol.clipScaleOf(in);
    GradientClipping.scaleGradients(front, scale);
    GradientClipping.scaleGradients(tail, scale);
    if (tail != null) {
      optimizer.step(tail, config.learningRate());
    }
    if (front != null) {
      optimizer.step(front, config.learningRate());
    }
    completedSteps++;
    release();
    return Reply.ok(in, ParameterSet.empty(), p.batch().size(), Map.of(Reply.LOSS, p.loss()));
  }

  /** The next {@code batchSize} examples in the run's order (core's {@link DataOrder}). */
  private Batch nextBatch() {
    Batch b = order.batch(data, cursor, config.batchSize(), config.padId());
    cursor += config.batchSize();
    return b;
  }

  private void release() {
    if (pending != null) {
      pending.manager().close();
      pending = null;
    }
    state = State.IDLE;
    if (front != null) {
      front.zeroGradients();
    }
    if (tail != null) {
      tail.zeroGradients();
    }
  }

  /** Evaluation needs the server's layers: it is not a single client call. */
  @Override
  public Reply evaluate(Instruction in) {
    return Reply.error(in, "a split client evaluates only through split training stages");
  }

  /** Drops a pending step and frees the optimizer state. */
  @Override
  public synchronized void close() {
    release();
    optimizer.close();
  }
}
