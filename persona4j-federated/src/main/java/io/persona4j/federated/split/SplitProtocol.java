/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Names and conversions of the split-learning messages. Only these tensors ever cross the wire:
 *
 * <ul>
 *   <li>client to server: {@value #HIDDEN_FRONT} (output of layer k-1, {@code [B, T, H]}), {@value
 *       #ATTENTION_MASK} ({@code [B, T]}, 1 for real tokens, 0 for padding) and {@value
 *       #GRAD_MIDDLE} (dL/d of the server's output, {@code [B, T, H]});
 *   <li>server to client: {@value #HIDDEN_MIDDLE} (output of the server's last layer) and {@value
 *       #GRAD_FRONT} (dL/d of {@value #HIDDEN_FRONT}).
 * </ul>
 *
 * Token ids, labels and the token embeddings stay on the client.
 */
public final class SplitProtocol {
  /** Config key of the stage ({@link SplitStage#wireName()}). */
  public static final String STAGE = "split_stage";

  /** Config key of the step number (1, 2, ...), equal to the instruction's round. */
  public static final String STEP = "split_step";

  /**
   * Config key of an evaluation pass: the index of the client's evaluation batch. With it, {@code
   * front_forward} and {@code tail} (or {@code local}) run without gradients, the client replies
   * the metrics {@value #LOSS_SUM}, {@value #TARGETS} and {@value #EVAL_BATCHES} instead of a
   * gradient, and the step ends after {@code tail} without updating anything.
   */
  public static final String EVAL_BATCH = "split_eval_batch";

  /**
   * Metric of a clipped {@code front_backward} reply: the sum of squares of the client's front and
   * tail gradients (per-tensor sums in float32, their total in double, as core's clipping).
   */
  public static final String GRAD_SQUARED_NORM = "grad_squared_norm";

  /**
   * Config key of {@code clip_step}: the factor {@code min(1, C / (norm + 1e-6))} the client scales
   * its gradients by before its update (as core's {@code GradientClipping}).
   */
  public static final String CLIP_SCALE = "split_clip_scale";

  /** Metric: summed token loss of an evaluation batch. */
  public static final String LOSS_SUM = "loss_sum";

  /** Metric: number of target tokens of an evaluation batch. */
  public static final String TARGETS = "targets";

  /** Metric: how many evaluation batches the client has. */
  public static final String EVAL_BATCHES = "eval_batches";

  /** Hidden states of the client's last front layer. */
  public static final String HIDDEN_FRONT = "split.hidden_front";

  /** Attention mask of the batch (1 real token, 0 padding) as float32. */
  public static final String ATTENTION_MASK = "split.attention_mask";

  /** Hidden states of the server's last layer. */
  public static final String HIDDEN_MIDDLE = "split.hidden_middle";

  /** Gradient of the loss by {@link #HIDDEN_MIDDLE}. */
  public static final String GRAD_MIDDLE = "split.grad_hidden_middle";

  /** Gradient of the loss by {@link #HIDDEN_FRONT}. */
  public static final String GRAD_FRONT = "split.grad_hidden_front";

  private SplitProtocol() {}

  /** Config key of the server's front layer count k (the client checks it against its own). */
  public static final String FRONT_LAYERS = "split_front_layers";

  /** Config key of the server's tail layer count (the client checks it against its own). */
  public static final String TAIL_LAYERS = "split_tail_layers";

  /**
   * The instruction of one stage of step {@code step} (the step is also the round), with the
   * server's split so that a client with another split refuses it.
   */
  public static Instruction instruction(
      SplitStage stage, int step, String clientId, ParameterSet tensors, SplitConfig split) {
    return Instruction.fit(
        step,
        clientId,
        tensors,
        Map.of(
            STAGE,
            stage.wireName(),
            STEP,
            (long) step,
            FRONT_LAYERS,
            (long) split.frontLayers(),
            TAIL_LAYERS,
            (long) split.tailLayers()));
  }

  /** The instruction of one evaluation stage for evaluation batch {@code batch}. */
  public static Instruction evalInstruction(
      SplitStage stage,
      int step,
      String clientId,
      ParameterSet tensors,
      SplitConfig split,
      int batch) {
    Instruction in = instruction(stage, step, clientId, tensors, split);
    Map<String, Object> config = new HashMap<>(in.config());
    config.put(EVAL_BATCH, (long) batch);
    return Instruction.fit(step, clientId, tensors, config);
  }

  /** The {@code clip_step} instruction of step {@code step} carrying {@code scale}. */
  public static Instruction clipInstruction(
      int step, String clientId, SplitConfig split, double scale) {
    Instruction in = instruction(SplitStage.CLIP_STEP, step, clientId, ParameterSet.empty(), split);
    Map<String, Object> config = new HashMap<>(in.config());
    config.put(CLIP_SCALE, scale);
    return Instruction.fit(step, clientId, ParameterSet.empty(), config);
  }

  /**
   * The scale a {@code clip_step} instruction carries.
   *
   * @throws IllegalArgumentException if missing, not a number, or not in {@code (0, 1]}
   */
  public static double clipScaleOf(Instruction in) {
    Object v = in.config().get(CLIP_SCALE);
    if (!(v instanceof Number n) || !(n.doubleValue() > 0) || !(n.doubleValue() <= 1)) {
      throw new IllegalArgumentException(
          "config '" + CLIP_SCALE + "' must be a number in (0, 1], got " + v);
    }
    return n.doubleValue();
  }

  /**
   * The evaluation batch an instruction names, or -1 for training.
   *
   * @throws IllegalArgumentException if the value is not a non-negative integer
   */
  public static int evalBatchOf(Instruction in) {
    Object v = in.config().get(EVAL_BATCH);
    if (v == null) {
      return -1;
    }
    if (!(v instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < 0
        || n.longValue() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "config '" + EVAL_BATCH + "' must be an integer >= 0, got " + v);
    }
    return n.intValue();
  }

  /**
   * Why the split an instruction names differs from {@code split}, or null if it matches.
   *
   * @return a message naming the key and both values
   */
  public static String splitMismatch(Instruction in, SplitConfig split) {
    Object k = in.config().get(FRONT_LAYERS);
    Object tail = in.config().get(TAIL_LAYERS);
    if (!(k instanceof Number kn) || kn.longValue() != split.frontLayers()) {
      return "config '" + FRONT_LAYERS + "' " + k + " != this client's k " + split.frontLayers();
    }
    if (!(tail instanceof Number tn) || tn.longValue() != split.tailLayers()) {
      return "config '" + TAIL_LAYERS + "' " + tail + " != this client's " + split.tailLayers();
    }
    return null;
  }

  /**
   * The stage named by an instruction.
   *
   * @throws IllegalArgumentException if the entry is missing or unknown
   */
  public static SplitStage stageOf(Instruction in) {
    Object v = in.config().get(STAGE);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(
          "instruction for round " + in.round() + " has no string config '" + STAGE + "': " + v);
    }
    return SplitStage.parse(s);
  }

  /**
   * The step named by an instruction ({@value #STEP}, which must equal the round).
   *
   * @throws IllegalArgumentException if missing, not an integer, or different from the round
   */
  public static int stepOf(Instruction in) {
    Object v = in.config().get(STEP);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new IllegalArgumentException("config '" + STEP + "' must be an integer, got " + v);
    }
    if (n.longValue() != in.round()) {
      throw new IllegalArgumentException(
          "config '" + STEP + "' " + n.longValue() + " differs from round " + in.round());
    }
    return in.round();
  }

  /** One tensor's values as a set entry named {@code name}, shape from the array. */
  public static void add(ParameterSet.Builder b, String name, NDArray a) {
    long[] s = a.getShape().getShape();
    int[] dims = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      dims[i] = Math.toIntExact(s[i]);
    }
    b.add(TensorSpec.f32(name, dims), a.toFloatArray());
  }

  /**
   * Tensor {@code name} of {@code set} as an array on {@code m}, checked against {@code shape} and
   * for finite values.
   *
   * @throws IllegalArgumentException naming the tensor if it is missing, misshapen or not finite
   */
  public static NDArray array(ParameterSet set, String name, Shape shape, NDManager m) {
    if (!set.names().contains(name)) {
      throw new IllegalArgumentException("message lacks tensor '" + name + "': " + set.names());
    }
    List<Integer> got = set.spec(name).shape();
    List<Integer> want = new ArrayList<>();
    for (long d : shape.getShape()) {
      want.add(Math.toIntExact(d));
    }
    if (!got.equals(want)) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' has shape " + got + ", expected " + want);
    }
    float[] v = set.values(name);
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException("tensor '" + name + "'[" + i + "] = " + v[i]);
      }
    }
    return m.create(v, shape);
  }

  /** Bytes of one {@code [B, T, H]} float32 activation or gradient payload: {@code 4 B T H}. */
  public static long hiddenBytes(long batch, long length, long hidden) {
    return 4L * batch * length * hidden;
  }
}
