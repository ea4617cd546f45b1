/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.persona4j.core.kernel.LowRankDelta;
import io.persona4j.core.model.TorchOps;
import java.util.Arrays;

/**
 * One named adapter on one linear layer: {@code A [r, in]}, {@code B [out, r]}, its scale, its
 * dropout and optionally a {@link RankGate} (per-sequence weights on the rank components, as a
 * mixture of LoRA experts uses). A and B live on a manager of their own, closed by {@link
 * #close()}.
 *
 * <p>The arrays keep their identity for the unit's whole life ({@link #assign} copies values into
 * them), so optimizers may hold on to them.
 */
public final class LoraUnit implements AutoCloseable {
  private final NDManager manager;
  private final NDArray a;
  private final NDArray b;
  private final double scale;
  private final NDArray scaleArray; // scale as a scalar array on this unit's manager
  private final LoraDropout dropout;
  private final RankGate gate;
  private volatile Boolean inPlace; // whether A and B can be read in place (checked once)

  /** As {@link #LoraUnit(NDManager, NDArray, NDArray, double, LoraDropout, RankGate)}, ungated. */
  public LoraUnit(NDManager parent, NDArray a, NDArray b, double scale, LoraDropout dropout) {
    this(parent, a, b, scale, dropout, null);
  }

  /**
   * Takes {@code a} and {@code b} onto a new sub-manager of {@code parent}.
   *
   * @param a {@code [r, in]} float32
   * @param b {@code [out, r]} float32
   * @param scale the factor on {@code B A x}
   * @param dropout dropout on the LoRA input in training
   * @param gate per-sequence weights on the rank components, or null for plain LoRA
   * @throws IllegalArgumentException if shapes do not fit each other or scale is not finite
   */
  public LoraUnit(
      NDManager parent, NDArray a, NDArray b, double scale, LoraDropout dropout, RankGate gate) {
    Shape sa = a.getShape();
    Shape sb = b.getShape();
    if (sa.dimension() != 2 || sb.dimension() != 2 || sa.get(0) != sb.get(1)) {
      throw new IllegalArgumentException(
          "LoRA A " + sa + " and B " + sb + " must be [r, in] and [out, r] with the same r");
    }
    if (a.getDataType() != DataType.FLOAT32 || b.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("LoRA A and B must be float32");
    }
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("LoRA scale " + scale + " is not finite");
    }
    this.manager = parent.newSubManager();
    a.attach(manager);
    b.attach(manager);
    this.a = a;
    this.b = b;
    this.scale = scale;
    // Not up.mul((float) scale): DJL backs a Java number by a temporary array whose memory it frees
    // right after the op, while autograd keeps that array for the backward pass (see
    // io.persona4j.core.train.Autograd). This array lives as long as A and B.
    this.scaleArray = manager.create((float) scale);
    NDScope.unregister(scaleArray);
    this.dropout = dropout;
    this.gate = gate;
  }

  /** {@code [r, in]}. */
  public NDArray a() {
    return a;
  }

  /** {@code [out, r]}. */
  public NDArray b() {
    return b;
  }

  /** The rank r. */
  public int rank() {
    return Math.toIntExact(a.getShape().get(0));
  }

  /** The factor on {@code B A x}: alpha / r, or alpha / sqrt(r) with rsLoRA. */
  public double scale() {
    return scale;
  }

  /** The dropout on the LoRA input. */
  public LoraDropout dropout() {
    return dropout;
  }

  /** The gate on the rank components, or null for plain LoRA. */
  public RankGate gate() {
    return gate;
  }

  /** Number of parameters, {@code r * (in + out)}. */
  public long parameterCount() {
    return a.size() + b.size();
  }

  /**
   * Copies values into A and B (exactly, in place; outside a gradient collector).
   *
   * @throws IllegalArgumentException if a shape differs
   */
  public void assign(NDArray newA, NDArray newB) {
    if (!newA.getShape().equals(a.getShape()) || !newB.getShape().equals(b.getShape())) {
      throw new IllegalArgumentException(
          "cannot assign A "
              + newA.getShape()
              + " and B "
              + newB.getShape()
              + " to a unit of A "
              + a.getShape()
              + " and B "
              + b.getShape());
    }
    a.set(new NDIndex("..."), newA);
    b.set(new NDIndex("..."), newB);
  }

  /** Whether A and B record gradients. */
  public boolean trainable() {
    return a.hasGradient() && b.hasGradient();
  }

  /** Attaches gradients to A and B (or detaches them). */
  public void setTrainable(boolean trainable) {
    a.setRequiresGradient(trainable);
    b.setRequiresGradient(trainable);
  }

  /**
   * {@code scale * B(A(x))} for {@code x [..., in]}, with dropout on x if {@code training}; with a
   * gate, {@code scale * B(A(x) * w)}, {@code w [B, 1, r]} from {@link RankGate#rankWeights}.
   * Temporaries are left to the caller's scope, as {@link io.persona4j.core.model.Linear} does.
   */
  NDArray apply(NDArray x, boolean training) {
    NDArray in = training ? dropout.apply(x) : x;
    NDArray down = Linear.linear(in, a, null).singletonOrThrow(); // [..., r]
    if (gate != null) {
      down = down.mul(gateFor(down)); // [..., r]
    }
    NDArray up = Linear.linear(down, b, null).singletonOrThrow(); // [..., out]
    return up.mul(scaleArray);
  }

  /** The gate's weights shaped to broadcast against {@code down [B, ..., r]}. */
  private NDArray gateFor(NDArray down) {
    Shape s = down.getShape();
    NDArray w = gate.rankWeights(s.get(0), rank()); // [B or 1, 1, r]
    if (s.dimension() == 3) {
      return w;
    }
    long[] dims = new long[s.dimension()];
    Arrays.fill(dims, 1);
    dims[0] = w.getShape().get(0);
    dims[dims.length - 1] = rank();
    return w.reshape(new Shape(dims));
  }

  /**
   * This unit as a term of the small-batch decode kernel, A and B read in place (no copy; made per
   * call, so every change of their values is seen), or null when the kernel cannot compute it: a
   * gated unit, trainable arrays (gradients must reach them through PyTorch), or arrays that are
   * not contiguous float32 on the CPU.
   */
  public LowRankDelta kernelDelta() {
    if (gate != null || a.hasGradient() || b.hasGradient()) {
      return null;
    }
    Boolean ok = inPlace;
    if (ok == null) {
      ok = TorchOps.readableInPlace(a) && TorchOps.readableInPlace(b);
      inPlace = ok;
    }
    if (!ok) {
      return null;
    }
    int r = rank();
    return LowRankDelta.of(
        TorchOps.inPlace(a),
        TorchOps.inPlace(b),
        r,
        Math.toIntExact(a.getShape().get(1)),
        Math.toIntExact(b.getShape().get(0)),
        (float) scale);
  }

  /**
   * {@code scale * B A}, {@code [out, in]}, on {@code target}.
   *
   * @throws IllegalStateException for a gated unit, whose delta differs per sequence
   */
  public NDArray delta(NDManager target) {
    if (gate != null) {
      throw new IllegalStateException(
          "a LoRA unit with a per-sequence gate (mixture of LoRA experts) has no single weight"
              + " delta and cannot be merged");
    }
    NDArray d = b.matMul(a).muli((float) scale);
    d.attach(target);
    return d;
  }

  /** Frees A and B. */
  @Override
  public void close() {
    manager.close();
  }
}
