/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraDropout;
import io.persona4j.core.model.Linear;
import java.util.Arrays;
import java.util.Objects;

/**
 * A linear layer with a PLoRA adapter: {@code h' = W0 x + b + s B(A drop1(x) + P drop2(p_u))} for
 * the user vectors {@code p_u [B, d_u]} of the current batch ({@link Conditioning}); without user
 * vectors the user term is dropped and the layer is exactly LoRA, {@code W0 x + b + s B A
 * drop1(x)}, computed by the same operations in the same order as {@code LoraLinear} (so both give
 * the same bits). {@code drop1} and {@code drop2} are two separate dropouts (independent masks, the
 * same rate), applied only in training.
 *
 * <p>The base layer stays frozen. {@link #merge} folds only {@code s B A} into {@code W0}: the user
 * term is then a per-user constant on every token, {@code s B P p_u [out]}, which {@link #userBias}
 * computes and a merged layer adds per row (from the batch's vectors or from biases a server has
 * cached per user, see {@link PLoraModel#conditionOnBiases}).
 *
 * <p>Not thread-safe: a forward pass reads the conditioning its {@link PLoraModel} set.
 */
public final class PLoraLinear extends Linear {
  private final Linear base;
  private final NDManager manager;
  private final NDArray a; // [r, in]
  private final NDArray b; // [out, r]
  private final NDArray p; // [r, d_u]
  private final double scale;
  private final NDArray scaleArray;
  private final LoraDropout inputDropout;
  private final LoraDropout userDropout;
  private final Conditioning conditioning;
  private NDManager copyManager;
  private NDArray original;

  /**
   * Takes {@code a}, {@code b} and {@code p} onto a new sub-manager of the base weight's manager.
   *
   * @param base the frozen layer (not itself adapted)
   * @param a {@code [r, in]} float32
   * @param b {@code [out, r]} float32
   * @param p {@code [r, d_u]} float32
   * @param scale {@code alpha / r}
   * @throws IllegalArgumentException if a shape does not fit the layer or the others
   */
  PLoraLinear(
      Linear base,
      NDArray a,
      NDArray b,
      NDArray p,
      double scale,
      LoraDropout inputDropout,
      LoraDropout userDropout,
      Conditioning conditioning) {
    super(base.name(), base.weight(), base.bias());
    if (base instanceof PLoraLinear) {
      throw new IllegalArgumentException(base.name() + " already has a PLoRA adapter");
    }
    Shape sa = a.getShape();
    Shape sb = b.getShape();
    Shape sp = p.getShape();
    if (sa.dimension() != 2
        || sb.dimension() != 2
        || sp.dimension() != 2
        || sa.get(0) != sb.get(1)
        || sp.get(0) != sa.get(0)
        || sa.get(1) != base.inFeatures()
        || sb.get(0) != base.outFeatures()) {
      throw new IllegalArgumentException(
          base.name()
              + ": PLoRA A "
              + sa
              + ", B "
              + sb
              + ", P "
              + sp
              + " must be [r, in], [out, r], [r, d_u] for a layer of in "
              + base.inFeatures()
              + ", out "
              + base.outFeatures());
    }
    for (NDArray t : new NDArray[] {a, b, p}) {
      if (t.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(base.name() + ": PLoRA tensors must be float32");
      }
    }
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException(base.name() + ": scale " + scale + " is not finite");
    }
    this.base = base;
    this.manager = base.weight().getManager().newSubManager();
    a.attach(manager);
    b.attach(manager);
    p.attach(manager);
    this.a = a;
    this.b = b;
    this.p = p;
    this.scale = scale;
    // An array, not a Java number, on a differentiable path (see io.persona4j.core.train.Autograd).
    this.scaleArray = manager.create((float) scale);
    NDScope.unregister(scaleArray);
    this.inputDropout = Objects.requireNonNull(inputDropout, "inputDropout");
    this.userDropout = Objects.requireNonNull(userDropout, "userDropout");
    this.conditioning = Objects.requireNonNull(conditioning, "conditioning");
  }

  /** The wrapped frozen layer (its weight holds {@code s B A} while merged). */
  public Linear base() {
    return base;
  }

  /** {@code [r, in]}. */
  public NDArray a() {
    return a;
  }

  /** {@code [out, r]}. */
  public NDArray b() {
    return b;
  }

  /** {@code [r, d_u]}: the user vector's map into the rank space. */
  public NDArray p() {
    return p;
  }

  /** The rank r. */
  public int rank() {
    return Math.toIntExact(a.getShape().get(0));
  }

  /** {@code d_u}. */
  public int userDim() {
    return Math.toIntExact(p.getShape().get(1));
  }

  /** {@code alpha / r}. */
  public double scale() {
    return scale;
  }

  /** The dropout on the layer input ({@code drop1}). */
  public LoraDropout inputDropout() {
    return inputDropout;
  }

  /** The dropout on the user vector ({@code drop2}), separate from the input's. */
  public LoraDropout userDropout() {
    return userDropout;
  }

  /** Whether {@code s B A} is folded into the base weight. */
  public boolean merged() {
    return original != null;
  }

  /** Attaches gradients to A, B and P (or detaches them). */
  void setTrainable(boolean trainable) {
    a.setRequiresGradient(trainable);
    b.setRequiresGradient(trainable);
    p.setRequiresGradient(trainable);
  }

  /**
   * {@code x [B, ..., in] -> [B, ..., out]}; the result lives on x's manager, temporaries are
   * freed.
   *
   * @throws IllegalStateException in training mode while merged, or if the conditioning's rows do
   *     not match x's batch
   */
  @Override
  public NDArray forward(NDArray x) {
    boolean training = conditioning.training();
    if (training && merged()) {
      throw new IllegalStateException(name() + ": merged; unmerge before training");
    }
    NDArray y;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      y = base.forward(x); // [B, ..., out]
      if (merged()) {
        NDArray bias = mergedBias(x); // [B, 1.., out] or null
        if (bias != null) {
          y = y.add(bias); // [B, ..., out]
        }
      } else {
        NDArray in = training ? inputDropout.apply(x) : x;
        NDArray down = ai.djl.nn.core.Linear.linear(in, a, null).singletonOrThrow(); // [B, .., r]
        NDArray users = conditioning.vectors();
        if (users != null) {
          requireRows(users, x);
          NDArray pin = training ? userDropout.apply(users) : users; // [B, d_u]
          NDArray pr = ai.djl.nn.core.Linear.linear(pin, p, null).singletonOrThrow(); // [B, r]
          down = down.add(pr.reshape(broadcastShape(x, rank()))); // [B, .., r]
        }
        NDArray up = ai.djl.nn.core.Linear.linear(down, b, null).singletonOrThrow(); // [B, .., out]
        up = up.mul(scaleArray);
        if (users != null && conditioning.recordingMi()) {
          // The authors' second LoRA output without the user: a fresh input dropout draw.
          NDArray in2 = training ? inputDropout.apply(x) : x;
          NDArray d2 = ai.djl.nn.core.Linear.linear(in2, a, null).singletonOrThrow(); // [B,..,r]
          NDArray nop =
              ai.djl.nn.core.Linear.linear(d2, b, null).singletonOrThrow().mul(scaleArray);
          conditioning.record(up, nop);
        }
        y = y.add(up); // [B, ..., out]
      }
      NDScope.unregister(y);
    }
    NDScope.register(y);
    return y;
  }

  /** The per-row user term of a merged layer, {@code [B, 1.., out]}, or null without users. */
  private NDArray mergedBias(NDArray x) {
    NDArray cached = conditioning.bias(name());
    if (cached != null) {
      requireRows(cached, x);
      return cached.reshape(broadcastShape(x, outFeatures()));
    }
    NDArray users = conditioning.vectors();
    if (users == null) {
      return null;
    }
    requireRows(users, x);
    NDArray pr = ai.djl.nn.core.Linear.linear(users, p, null).singletonOrThrow(); // [B, r]
    NDArray up = ai.djl.nn.core.Linear.linear(pr, b, null).singletonOrThrow(); // [B, out]
    return up.mul(scaleArray).reshape(broadcastShape(x, outFeatures()));
  }

  /**
   * {@code s B P v}: the constant this layer adds to every token of a user whose vector is {@code v
   * [d_u]} (the user term, as a merged layer applies it).
   */
  public float[] userBias(float[] v) {
    if (v.length != userDim()) {
      throw new IllegalArgumentException(
          name() + ": a user vector has " + v.length + " values, expected d_u = " + userDim());
    }
    try (NDManager m = manager.newSubManager()) {
      NDArray u = m.create(v, new Shape(1, v.length)); // [1, d_u]
      NDArray pr = ai.djl.nn.core.Linear.linear(u, p, null).singletonOrThrow(); // [1, r]
      NDArray up = ai.djl.nn.core.Linear.linear(pr, b, null).singletonOrThrow(); // [1, out]
      return up.mul(scaleArray).toFloatArray();
    }
  }

  /** Adds {@code s B A} to the base weight in place (keeping a copy to restore exactly). */
  void merge() {
    if (merged()) {
      return;
    }
    NDArray w = weight();
    copyManager = w.getManager().newSubManager();
    NDArray copy = w.duplicate();
    NDScope.unregister(copy);
    copy.attach(copyManager);
    try (NDManager tmp = w.getManager().newSubManager()) {
      NDArray delta = b.matMul(a).muli((float) scale); // [out, in]
      delta.attach(tmp);
      w.addi(delta);
    }
    original = copy;
  }

  /** Restores the exact base weight. */
  void unmerge() {
    if (!merged()) {
      return;
    }
    weight().set(new NDIndex("..."), original);
    copyManager.close();
    original = null;
    copyManager = null;
  }

  /** Unmerges and frees A, B and P. */
  void close() {
    unmerge();
    manager.close();
  }

  private void requireRows(NDArray rows, NDArray x) {
    if (rows.getShape().get(0) != x.getShape().get(0)) {
      throw new IllegalStateException(
          name()
              + ": user conditioning for "
              + rows.getShape().get(0)
              + " rows, but the input has "
              + x.getShape().get(0)
              + " (shape "
              + x.getShape()
              + ")");
    }
  }

  /** {@code [B, 1, .., 1, last]} broadcasting against {@code x [B, .., in]}. */
  private static Shape broadcastShape(NDArray x, long last) {
    long[] dims = new long[x.getShape().dimension()];
    Arrays.fill(dims, 1);
    dims[0] = x.getShape().get(0);
    dims[dims.length - 1] = last;
    return new Shape(dims);
  }
}
