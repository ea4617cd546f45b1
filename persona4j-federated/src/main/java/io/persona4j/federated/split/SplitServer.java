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
import io.persona4j.core.train.GradientClipping;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Failure;
import io.persona4j.federated.FederatedRunException;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The server of split learning and the driver of its steps: it holds the middle layers {@code [k, n
 * - tail)} of the frozen base model with their LoRA adapter, and asks one client, over a {@link
 * Grid}, for the stages of each step (see {@link SplitStage}):
 *
 * <ol>
 *   <li>{@code front_forward}: the client replies the hidden states of layer k and the mask;
 *   <li>the server runs its layers, keeping the recorded graph, and sends their output ({@code
 *       tail}); the client replies the gradient of its loss by that output;
 *   <li>the server backpropagates it through its layers, updates its adapter with AdamW and sends
 *       the gradient by the hidden states of layer k ({@code front_backward}); the client finishes.
 * </ol>
 *
 * Without a split ({@code k = 0}) a step is one {@code local} stage.
 *
 * <p>Several servers (one per client) may share one server-side {@link LoraModel} with one adapter
 * per client: a step activates its adapter and holds the model's monitor ({@code synchronized
 * (lora)}) until it ends, so the steps of different clients run one after another.
 *
 * <p>A failed stage (no reply, error reply, malformed tensors) sends {@code abort} to the client,
 * drops the step and throws {@link FederatedRunException} naming the step and stage. A step that
 * fails at {@code front_forward} or {@code tail} updates nothing on the server; one that fails at
 * {@code front_backward} leaves the server's (and the client's tail) update applied and the
 * client's front not.
 *
 * <p>With clipping ({@link SplitServerConfig#maxGradNorm()} positive and finite, the client built
 * with the same bound) the server clips as core's {@code Trainer}: after {@code front_backward} the
 * client replies the squared norm of its gradients ({@value SplitProtocol#GRAD_SQUARED_NORM})
 * instead of updating; the server adds its own, computes {@code scale = min(1, C / (norm + 1e-6))},
 * scales and updates its adapter, and sends {@code clip_step} with the scale, on which the client
 * scales and updates. A clipped step that fails before {@code clip_step} updates nothing; one that
 * fails at {@code clip_step} leaves the server's update applied and the client's not.
 */
public final class SplitServer implements AutoCloseable {

  private final Grid grid;
  private final String clientId;
  private final LlamaModel model;
  private final SplitServerConfig config;
  private final SplitConfig split;
  private final LoraModel lora;
  private final String adapter;
  private final TrainableParameters middle;
  private final AdamW optimizer;
  private double lastGradientNorm = Double.NaN;
  private int step;
  private long bytesUp;
  private long bytesDown;

  /**
   * @param grid transport to the client
   * @param clientId the client to train with
   * @param model the base model (only the middle layers are used)
   * @param lora LoRA on {@code model}; adapter {@code adapter}'s tensors on the middle layers train
   * @param adapter the adapter name
   * @param config the split, optimizer, deadline and clipping settings
   * @throws IllegalArgumentException if the split does not fit the model, or the adapter is missing
   *     or has no tensor on the server's layers
   */
  public SplitServer(
      Grid grid,
      String clientId,
      LlamaModel model,
      LoraModel lora,
      String adapter,
      SplitServerConfig config) {
    this.grid = Objects.requireNonNull(grid, "grid");
    if (clientId == null || clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must be non-blank, got " + clientId);
    }
    this.clientId = clientId;
    this.model = Objects.requireNonNull(model, "model");
    this.config = Objects.requireNonNull(config, "config");
    this.split = config.split();
    SplitParameters.requireFits(split, model);
    this.lora = Objects.requireNonNull(lora, "lora");
    this.adapter = adapter;
    if (split.isSplit()) {
      SplitParameters.requireAdapter(lora, adapter);
      Map<String, NDArray> mine =
          SplitParameters.ofLayers(
              lora.adapterTensors(adapter), split.serverFrom(), split.serverTo());
      if (mine.isEmpty()) {
        throw new IllegalArgumentException(
            "adapter '" + adapter + "' has no tensor on the server's layers " + range());
      }
      this.middle = TrainableParameters.of(mine);
    } else {
      this.middle = null;
    }
    this.optimizer = AdamW.builder().optWeightDecay(config.weightDecay()).build();
  }

  private String range() {
    return "[" + split.serverFrom() + ", " + split.serverTo() + ")";
  }

  /** Steps completed. */
  public int completedSteps() {
    return step;
  }

  /** Whether split steps are clipped. */
  public boolean clips() {
    return config.clips();
  }

  /**
   * The global gradient norm (both parties, before clipping) of the last clipped split step, or NaN
   * if none (clipping off, or no split).
   */
  public double lastGradientNorm() {
    return lastGradientNorm;
  }

  /** Runs {@code steps} steps and returns their results in order. */
  public List<SplitStepResult> train(int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
    List<SplitStepResult> out = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      out.add(step());
    }
    return out;
  }

  /**
   * One training step.
   *
   * @throws FederatedRunException if a stage fails (the client was told to abort)
   */
  public SplitStepResult step() {
    int s = step + 1;
    bytesUp = 0;
    bytesDown = 0;
    if (!split.isSplit()) {
      Reply r = exchange(s, SplitStage.LOCAL, ParameterSet.empty());
      step = s;
      return new SplitStepResult(s, loss(r, s, SplitStage.LOCAL), 0, 0, 0, bytesUp, bytesDown);
    }
    synchronized (lora) {
      lora.activate(adapter);
      lora.train(true);
      return splitStep(s);
    }
  }

  private SplitStepResult splitStep(int s) {
    try (NDManager m = TensorRuntime.newManager()) {
      Reply front = exchange(s, SplitStage.FRONT_FORWARD, ParameterSet.empty());
      Middle mid = middleInput(s, front.parameters(), m);
      NDArray hidden = mid.hidden();
      LayerInputs inputs = mid.inputs();
      hidden.setRequiresGradient(true);
      middle.zeroGradients();
      NDArray out;
      try (Autograd.Recording ignored = Autograd.record()) {
        out =
            model.layers(
                hidden, inputs.positions(), inputs.mask(), split.serverFrom(), split.serverTo());
      }
      ParameterSet.Builder down = ParameterSet.builder();
      SplitProtocol.add(down, SplitProtocol.HIDDEN_MIDDLE, out);
      Reply tail = exchange(s, SplitStage.TAIL, down.build());
      double loss = loss(tail, s, SplitStage.TAIL);
      NDArray grad;
      try {
        if (tail.parameters().size() != 1) {
          throw new IllegalArgumentException(
              "reply must hold exactly the gradient, got " + tail.parameters().names());
        }
        grad = SplitProtocol.array(tail.parameters(), SplitProtocol.GRAD_MIDDLE, out.getShape(), m);
      } catch (IllegalArgumentException e) {
        throw abort(s, SplitStage.TAIL, "invalid reply: " + e.getMessage(), List.of());
      }
      Autograd.backward(out, grad);
      NDArray gradFront = Autograd.gradientOf(hidden, m);
      if (!clips()) {
        optimizer.step(middle, config.learningRate());
        middle.zeroGradients();
      }
      ParameterSet.Builder back = ParameterSet.builder();
      SplitProtocol.add(back, SplitProtocol.GRAD_FRONT, gradFront);
      Reply backReply = exchange(s, SplitStage.FRONT_BACKWARD, back.build());
      if (clips()) {
        clipAndStep(s, backReply, m);
      }
      step = s;
      long[] shape = hidden.getShape().getShape();
      return new SplitStepResult(
          s, loss, (int) shape[0], (int) shape[1], (int) shape[2], bytesUp, bytesDown);
    } finally {
      if (middle != null) {
        middle.zeroGradients();
      }
    }
  }

  /**
   * Adds the client's squared gradient norm to the server's, scales the middle gradients, updates
   * them and sends {@code clip_step}.
   */
  private void clipAndStep(int s, Reply backReply, NDManager m) {
    Double clientSq = backReply.metrics().get(SplitProtocol.GRAD_SQUARED_NORM);
    if (clientSq == null || !(clientSq >= 0) || Double.isInfinite(clientSq)) {
      throw abort(
          s,
          SplitStage.FRONT_BACKWARD,
          "reply has no finite non-negative '"
              + SplitProtocol.GRAD_SQUARED_NORM
              + "' metric: "
              + clientSq,
          List.of());
    }
    double norm = Math.sqrt(clientSq + GradientClipping.squaredNorm(middle));
    if (!Double.isFinite(norm)) {
      throw abort(
          s,
          SplitStage.FRONT_BACKWARD,
          "gradient norm " + norm + ": training diverged; lower the learning rate",
          List.of());
    }
    double scale = GradientClipping.scale(norm, config.maxGradNorm());
    GradientClipping.scaleGradients(middle, scale);
    optimizer.step(middle, config.learningRate());
    middle.zeroGradients();
    lastGradientNorm = norm;
    send(s, SplitStage.CLIP_STEP, SplitProtocol.clipInstruction(s, clientId, split, scale));
  }

  /**
   * Evaluates the current adapters (client's and server's) on the client's evaluation examples: the
   * same stages as a step, without gradients, ending after {@code tail}; nothing is updated.
   *
   * @throws FederatedRunException if a stage fails (the client was told to abort)
   */
  public SplitEvaluation evaluate() {
    int s = step + 1;
    bytesUp = 0;
    bytesDown = 0;
    double lossSum = 0;
    long targets = 0;
    int batches = 1;
    for (int i = 0; i < batches; i++) {
      Reply r;
      if (split.isSplit()) {
        synchronized (lora) {
          lora.activate(adapter);
          lora.train(false);
          try {
            r = evalBatch(s, i);
          } finally {
            lora.train(true);
          }
        }
      } else {
        r = exchange(s, SplitStage.LOCAL, ParameterSet.empty(), i);
      }
      Double sum = r.metrics().get(SplitProtocol.LOSS_SUM);
      Double count = r.metrics().get(SplitProtocol.TARGETS);
      Double total = r.metrics().get(SplitProtocol.EVAL_BATCHES);
      if (sum == null || count == null || total == null || !Double.isFinite(sum) || total < 1) {
        throw abort(
            s, SplitStage.TAIL, "evaluation reply lacks its metrics: " + r.metrics(), List.of());
      }
      lossSum += sum;
      targets += Math.round(count);
      batches = (int) Math.round(total);
    }
    return new SplitEvaluation(lossSum / targets, targets, batches, bytesUp, bytesDown);
  }

  private Reply evalBatch(int s, int i) {
    try (NDManager m = TensorRuntime.newManager();
        Autograd.NoGrad ignored = Autograd.noGrad()) {
      Reply front = exchange(s, SplitStage.FRONT_FORWARD, ParameterSet.empty(), i);
      Middle in = middleInput(s, front.parameters(), m);
      NDArray out =
          model.layers(
              in.hidden(),
              in.inputs().positions(),
              in.inputs().mask(),
              split.serverFrom(),
              split.serverTo());
      ParameterSet.Builder down = ParameterSet.builder();
      SplitProtocol.add(down, SplitProtocol.HIDDEN_MIDDLE, out);
      return exchange(s, SplitStage.TAIL, down.build(), i);
    }
  }

  /** Hidden states of layer k and the layer inputs the server derives from the mask. */
  private record Middle(NDArray hidden, LayerInputs inputs) {}

  /** Reads and checks the client's {@code front_forward} reply. */
  private Middle middleInput(int s, ParameterSet in, NDManager m) {
    try {
      if (!in.names().contains(SplitProtocol.HIDDEN_FRONT)) {
        throw new IllegalArgumentException(
            "reply lacks tensor '" + SplitProtocol.HIDDEN_FRONT + "': " + in.names());
      }
      List<Integer> dims = in.spec(SplitProtocol.HIDDEN_FRONT).shape();
      if (dims.size() != 3 || dims.get(2) != model.config().hiddenSize()) {
        throw new IllegalArgumentException(
            "tensor '"
                + SplitProtocol.HIDDEN_FRONT
                + "' has shape "
                + dims
                + ", expected [B, T, "
                + model.config().hiddenSize()
                + "]");
      }
      if (in.size() != 2) {
        throw new IllegalArgumentException(
            "reply must hold exactly the hidden states and the mask, got " + in.names());
      }
      int b = dims.get(0);
      int t = dims.get(1);
      NDArray hidden =
          SplitProtocol.array(in, SplitProtocol.HIDDEN_FRONT, new Shape(b, t, dims.get(2)), m);
      float[] mask =
          SplitProtocol.array(in, SplitProtocol.ATTENTION_MASK, new Shape(b, t), m).toFloatArray();
      return new Middle(hidden, LayerInputs.of(model, LayerInputs.validity(mask, b, t), m));
    } catch (IllegalArgumentException e) {
      throw abort(s, SplitStage.FRONT_FORWARD, "invalid reply: " + e.getMessage(), List.of());
    }
  }

  private Reply exchange(int s, SplitStage stage, ParameterSet tensors) {
    return exchange(s, stage, tensors, -1);
  }

  /**
   * Sends one stage (of evaluation batch {@code evalBatch}, or training if -1) and returns the
   * client's successful reply, accounting bytes.
   */
  private Reply exchange(int s, SplitStage stage, ParameterSet tensors, int evalBatch) {
    Instruction instruction =
        evalBatch < 0
            ? SplitProtocol.instruction(stage, s, clientId, tensors, split)
            : SplitProtocol.evalInstruction(stage, s, clientId, tensors, split, evalBatch);
    return send(s, stage, instruction);
  }

  /** Sends one instruction and returns the client's successful reply, accounting bytes. */
  private Reply send(int s, SplitStage stage, Instruction instruction) {
    RoundResult r = grid.send(List.of(instruction), config.stageDeadline());
    for (ClientStats c : r.stats()) {
      bytesUp += c.bytesUp();
      bytesDown += c.bytesDown();
    }
    if (!r.failures().isEmpty()) {
      throw abort(s, stage, r.failures().get(0).reason(), r.failures());
    }
    Reply reply = r.replies().get(0);
    if (reply.isError()) {
      throw abort(
          s,
          stage,
          "client error: " + reply.error(),
          List.of(new Failure(clientId, Failure.Kind.CLIENT_ERROR, reply.error())));
    }
    return reply;
  }

  private double loss(Reply r, int s, SplitStage stage) {
    Double l = r.metrics().get(Reply.LOSS);
    if (l == null || !Double.isFinite(l)) {
      throw abort(s, stage, "reply has no finite '" + Reply.LOSS + "' metric: " + l, List.of());
    }
    return l;
  }

  /** Tells the client to drop the step (best effort) and builds the exception to throw. */
  private FederatedRunException abort(
      int s, SplitStage stage, String reason, List<Failure> failures) {
    if (split.isSplit()) {
      grid.send(
          List.of(
              SplitProtocol.instruction(
                  SplitStage.ABORT, s, clientId, ParameterSet.empty(), split)),
          config.stageDeadline());
    }
    return new FederatedRunException(
        s,
        "split step "
            + s
            + " with client '"
            + clientId
            + "' failed at stage '"
            + stage.wireName()
            + "': "
            + reason,
        failures);
  }

  /** Frees the optimizer state. */
  @Override
  public void close() {
    optimizer.close();
  }
}
