/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.kernel.PackedMatrix;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.AdditiveLinear;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.TorchOps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pre-norm decoder block: grouped-query self-attention with RoPE, then a SwiGLU MLP.
 *
 * <p>At load time q/k/v and gate/up are each stored as one concatenated weight, and the separate
 * {@link Linear} projections are views into it (no extra memory). While those projections are the
 * ones loaded and none of their weights is trained, the forward pass runs one matmul for q/k/v and
 * one for gate/up; once one of them is replaced ({@link #setLinear}, e.g. by an adapter) or
 * requires gradients (full-parameter training), that group falls back to separate projections. A
 * replacement that is an {@link AdditiveLinear} of the loaded projection (per-row serving adapters)
 * keeps the fused matmul: its delta is added to its columns of the fused output.
 *
 * <p>To change a loaded weight's values, write into it ({@code muli}, {@code set(NDIndex, array)},
 * ...): DJL's {@code NDArray.set(Buffer)} does not copy into the array but points it at new memory,
 * which would detach it from the concatenated weight.
 */
public final class LlamaLayer {
  /** The linear projections of a block, in checkpoint naming. */
  public enum Proj {
    Q("self_attn.q_proj"),
    K("self_attn.k_proj"),
    V("self_attn.v_proj"),
    O("self_attn.o_proj"),
    GATE("mlp.gate_proj"),
    UP("mlp.up_proj"),
    DOWN("mlp.down_proj");

    public final String suffix;

    Proj(String suffix) {
      this.suffix = suffix;
    }
  }

  private final int index;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final RmsNorm inputNorm;
  private final RmsNorm postAttentionNorm;
  private final Linear[] proj = new Linear[Proj.values().length];
  private volatile NDArray queryScale; // 1 / sqrt(headDim), lives as long as the weights
  private final Fused qkv; // null if q/k/v could not be fused
  private final Fused gateUp; // null if gate/up could not be fused
  private final LayerKernel kernel = new LayerKernel(this);

  /** A concatenated projection and the parts it replaced (views of its weight). */
  record Fused(Linear linear, Linear[] parts) {
    /**
     * Whether the concatenated matmul computes exactly the current projections: every part is still
     * in place, and none is being trained (gradients must reach the parts' own weight arrays, which
     * the concatenated matmul does not use).
     */
    boolean usable(Linear[] proj, Proj first) {
      for (int i = 0; i < parts.length; i++) {
        Linear p = parts[i];
        Linear current = proj[first.ordinal() + i];
        Linear base = current instanceof AdditiveLinear a && a.fusable() ? a.base() : current;
        if (base != p || p.weight().hasGradient() || (p.bias() != null && p.bias().hasGradient())) {
          return false;
        }
      }
      return true;
    }
  }

  LlamaLayer(
      int index, LlamaConfig config, RmsNorm inputNorm, RmsNorm postAttentionNorm, Linear[] p) {
    this.index = index;
    this.heads = config.numAttentionHeads();
    this.kvHeads = config.numKeyValueHeads();
    this.headDim = config.headDim();
    this.inputNorm = inputNorm;
    this.postAttentionNorm = postAttentionNorm;
    System.arraycopy(p, 0, proj, 0, proj.length);
    this.qkv = fuse(proj, Proj.Q, 3, "self_attn.qkv_proj");
    this.gateUp = fuse(proj, Proj.GATE, 2, "mlp.gate_up_proj");
  }

  /**
   * Concatenates the weights (and biases) of {@code n} consecutive plain projections along the
   * output axis, frees the originals and puts views of the concatenation in their place (no extra
   * memory; the {@link Linear} API, in-place edits included, is unchanged).
   */
  private static Fused fuse(Linear[] proj, Proj first, int n, String suffix) {
    Linear[] parts = new Linear[n];
    boolean anyBias = false;
    for (int i = 0; i < n; i++) {
      parts[i] = proj[first.ordinal() + i];
      if (parts[i].getClass() != Linear.class
          || parts[i].inFeatures() != parts[0].inFeatures()
          || parts[i].weight().getManager() != parts[0].weight().getManager()) {
        return null; // a subclass (adapter) or an unusual layout: keep the projections separate
      }
      anyBias |= parts[i].bias() != null;
    }
    NDArray[] weights = new NDArray[n];
    NDArray[] biases = new NDArray[n];
    for (int i = 0; i < n; i++) {
      weights[i] = parts[i].weight();
      biases[i] =
          parts[i].bias() != null
              ? parts[i].bias()
              : parts[i].weight().getManager().zeros(new Shape(parts[i].outFeatures()));
    }
    NDArray w = TorchOps.concat(0, weights); // [sum(out), in]
    NDArray b = anyBias ? TorchOps.concat(0, biases) : null; // [sum(out)]
    String name = parts[0].name();
    name =
        name.endsWith(first.suffix)
            ? name.substring(0, name.length() - first.suffix.length()) + suffix
            : name + "+fused";
    Linear[] views = new Linear[n];
    long start = 0;
    for (int i = 0; i < n; i++) {
      long end = start + parts[i].outFeatures();
      NDArray wv = TorchOps.slice(w, 0, start, end); // [out_i, in], rows of w
      NDArray bv = parts[i].bias() != null ? TorchOps.slice(b, 0, start, end) : null;
      views[i] = new Linear(parts[i].name(), wv, bv);
      parts[i].weight().close();
      biases[i].close();
      proj[first.ordinal() + i] = views[i];
      start = end;
    }
    return new Fused(new Linear(name, w, b), views);
  }

  /**
   * Packs this block's projections in {@code precision} for small-batch decoding (fused q/k/v and
   * gate/up packed once, their parts as row views) and rounds the F32 weights to the same values.
   *
   * @return bytes of packed weights a decode step streams through this block
   */
  long useDecodeWeights(WeightPrecision precision) {
    if (precision == WeightPrecision.F32) {
      throw new IllegalArgumentException("F32 weights are read in place: useDecodeKernelInPlace");
    }
    long bytes = 0;
    bytes += packGroup(qkv, Proj.Q, 3, precision);
    bytes += packGroup(null, Proj.O, 1, precision);
    bytes += packGroup(gateUp, Proj.GATE, 2, precision);
    bytes += packGroup(null, Proj.DOWN, 1, precision);
    return bytes;
  }

  /**
   * Runs this block's small-batch projections on the decode kernel with the F32 weights read in
   * place (no copy): the fused q/k/v and gate/up, o and down, and the separate parts (used when a
   * group cannot run fused).
   *
   * @return whether every projection runs on the kernel now (false: no Vector API, or unusual
   *     arrays; those projections stay on PyTorch)
   */
  boolean useDecodeKernelInPlace() {
    List<Linear> all = new ArrayList<>();
    for (Fused f : new Fused[] {qkv, gateUp}) {
      if (f != null) {
        all.add(f.linear());
      }
    }
    for (Proj p : Proj.values()) {
      all.add(linear(p));
    }
    boolean every = true;
    for (Linear l : all) {
      every &= l.useDecodeKernelInPlace();
    }
    return every;
  }

  private long packGroup(Fused fused, Proj first, int n, WeightPrecision precision) {
    if (fused == null) {
      long bytes = 0;
      for (int i = 0; i < n; i++) {
        bytes += packInPlace(linear(Proj.values()[first.ordinal() + i]), precision).streamedBytes();
      }
      return bytes;
    }
    PackedMatrix all = packInPlace(fused.linear(), precision); // its parts are views of its weight
    int start = 0;
    for (Linear part : fused.parts()) {
      int end = start + (int) part.outFeatures();
      part.useDecodeWeights(all.rows(start, end));
      start = end;
    }
    return all.streamedBytes();
  }

  /**
   * Packs {@code l}'s weight, writes the rounded values back into it (in place: views of it see
   * them) and hands the packing to {@code l}.
   */
  static PackedMatrix packInPlace(Linear l, WeightPrecision precision) {
    NDArray w = l.weight(); // [out, in]
    int rows = (int) l.outFeatures();
    int cols = (int) l.inFeatures();
    PackedMatrix p = PackedMatrix.pack(w.toFloatArray(), rows, cols, precision);
    try (NDManager tmp = w.getManager().newSubManager()) {
      TorchOps.assign(w, 0, 0, rows, tmp.create(p.dequantize(), w.getShape())); // [out, in]
    }
    l.useDecodeWeights(p);
    return p;
  }

  /**
   * Whether q/k/v and gate/up currently run as one matmul each (loaded projections, or {@link
   * AdditiveLinear} wrappers of them such as unmerged LoRA in inference; not while training them).
   */
  public boolean usesFusedProjections() {
    return qkv != null
        && qkv.usable(proj, Proj.Q)
        && gateUp != null
        && gateUp.usable(proj, Proj.GATE);
  }

  /** The fused q/k/v projection while it computes the current projections, else null. */
  Fused usableQkv() {
    return qkv != null && qkv.usable(proj, Proj.Q) ? qkv : null;
  }

  /** The fused gate/up projection while it computes the current projections, else null. */
  Fused usableGateUp() {
    return gateUp != null && gateUp.usable(proj, Proj.GATE) ? gateUp : null;
  }

  RmsNorm inputNorm() {
    return inputNorm;
  }

  RmsNorm postAttentionNorm() {
    return postAttentionNorm;
  }

  int heads() {
    return heads;
  }

  int kvHeads() {
    return kvHeads;
  }

  int headDim() {
    return headDim;
  }

  /** This block's small-batch decode work on the JVM kernel. */
  LayerKernel kernel() {
    return kernel;
  }

  public Linear linear(Proj p) {
    return proj[p.ordinal()];
  }

  /** Replaces a projection (adapter injection); the replacement must keep the shapes. */
  public void setLinear(Proj p, Linear replacement) {
    proj[p.ordinal()] = proj[p.ordinal()].requireSameShape(replacement);
  }

  public int index() {
    return index;
  }

  /**
   * The block, as nanoGPT writes it: {@code x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))}.
   *
   * @param x {@code [B, T, H]} hidden states
   * @param angles RoPE cos/sin of the positions, {@code [B, T, 1, hd]} each
   * @param mask {@code [B, 1, g*T, S]} additive mask over all key slots, already repeated for the
   *     {@code g = heads / kvHeads} query heads of a group; null to attend to every slot
   * @param cache KV cache or null (then S = T)
   * @return {@code [B, T, H]}
   */
  NDArray forward(NDArray x, Rope.Angles angles, NDArray mask, Rope rope, DecoderCache cache) {
    x = x.add(attention(x, angles, mask, rope, cache)); // [B, T, H]
    NDArray m = kernel.mlp(x); // [B, T, H] or null
    return x.add(m != null ? m : mlp(postAttentionNorm.forward(x))); // [B, T, H]
  }

  /**
   * Grouped-query self-attention with RoPE on the input norm of the residual stream {@code x [B, T,
   * H]}.
   */
  private NDArray attention(
      NDArray x, Rope.Angles angles, NDArray mask, Rope rope, DecoderCache cache) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int groups = heads / kvHeads;
    NDArray q;
    NDArray k;
    NDArray v;
    // with the kernel: q and k already rotated, q already scaled by 1 / sqrt(hd)
    NDArray rotated = kernel.qkv(x, angles); // [B, T, (nh+2nkv)*hd] or null
    NDArray h = rotated == null ? inputNorm.forward(x) : null; // [B, T, H]
    if (rotated != null) {
      NDArray y = rotated.reshape(b, t, heads + 2L * kvHeads, headDim);
      NDList qkv3 = TorchOps.split(y, 2, heads, kvHeads, kvHeads); // [B, T, nh|nkv|nkv, hd]
      q = qkv3.get(0); // [B, T, nh, hd]
      k = qkv3.get(1); // [B, T, nkv, hd]
      v = qkv3.get(2); // [B, T, nkv, hd]
    } else if (qkv != null && qkv.usable(proj, Proj.Q)) {
      NDArray fused = fusedForward(qkv, h, Proj.Q); // [B, T, (nh+2nkv)*hd]
      NDArray y = fused.reshape(b, t, heads + 2L * kvHeads, headDim);
      NDList qkAndV = TorchOps.split(y, 2, heads + kvHeads, kvHeads); // [B,T,nh+nkv,hd], [..nkv..]
      NDList qk = TorchOps.split(rope.apply(qkAndV.get(0), angles), 2, heads, kvHeads);
      q = qk.get(0); // [B, T, nh, hd]
      k = qk.get(1); // [B, T, nkv, hd]
      v = qkAndV.get(1); // [B, T, nkv, hd]
    } else {
      q = rope.apply(linear(Proj.Q).forward(h).reshape(b, t, heads, headDim), angles);
      k = rope.apply(linear(Proj.K).forward(h).reshape(b, t, kvHeads, headDim), angles);
      v = linear(Proj.V).forward(h).reshape(b, t, kvHeads, headDim);
    }
    k = k.transpose(0, 2, 1, 3); // [B, nkv, T, hd]
    v = v.transpose(0, 2, 1, 3); // [B, nkv, T, hd]
    if (cache != null) {
      NDArray[] kv = cache.append(index, k, v);
      k = kv[0]; // [B, nkv, S, hd]
      v = kv[1]; // [B, nkv, S, hd]
    }
    // Query heads of one group share a KV head: fold the group into the query axis. With one
    // position (decoding), [B, 1, nh, hd] already is [B, nkv, g, hd] in memory: no transposes.
    NDArray qh = t == 1 ? q : q.transpose(0, 2, 1, 3); // [B, 1, nh, hd] or [B, nh, T, hd]
    NDArray qs = rotated != null ? qh : qh.mul(queryScale()); // scaled by 1 / sqrt(hd)
    NDArray qg = qs.reshape(b, kvHeads, groups * t, headDim); // [B, nkv, g*T, hd]
    NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2)); // [B, nkv, g*T, S]
    if (mask != null) {
      scores = scores.add(mask); // [B, nkv, g*T, S]
    }
    NDArray att = scores.softmax(-1).matMul(v); // [B, nkv, g*T, hd]
    att =
        t == 1
            ? att.reshape(b, 1, -1) // [B, 1, nh*hd]
            : att.reshape(b, heads, t, headDim)
                .transpose(0, 2, 1, 3)
                .reshape(b, t, -1); // [B,T,nh*hd]
    return linear(Proj.O).forward(att); // [B, T, H]
  }

  /** The SwiGLU MLP on normed hidden states {@code h [B, T, H]}: {@code down(silu(gate) * up)}. */
  private NDArray mlp(NDArray h) {
    NDArray gate;
    NDArray up;
    if (gateUp != null && gateUp.usable(proj, Proj.GATE)) {
      long inter = linear(Proj.GATE).outFeatures();
      NDArray fused = fusedForward(gateUp, h, Proj.GATE); // [B, T, 2I]
      NDList gu = TorchOps.split(fused, 2, inter, inter); // [B, T, I] x 2
      gate = gu.get(0);
      up = gu.get(1);
    } else {
      gate = linear(Proj.GATE).forward(h); // [B, T, I]
      up = linear(Proj.UP).forward(h); // [B, T, I]
    }
    NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up); // [B, T, I]
    return linear(Proj.DOWN).forward(act); // [B, T, H]
  }

  /**
   * The fused projection of the parts starting at {@code first}, plus the deltas of those that are
   * {@link AdditiveLinear}: on the decode kernel in one call when it applies and every delta is a
   * {@link AdditiveLinear#kernelDeltas kernel term} (no PyTorch op per adapter), otherwise
   * PyTorch's fused matmul and one delta per adapted part ({@link #addDeltas}).
   */
  private NDArray fusedForward(Fused f, NDArray h, Proj first) {
    if (f.linear().kernelApplies(h)) {
      List<Linear.ColumnTerm> terms = kernel.fusedTerms(f, first);
      if (terms != null) {
        return f.linear().forwardKernel(h, terms); // [B, T, sum(out)]
      }
    }
    return addDeltas(f.linear().forward(h), h, first, f.parts().length); // [B, T, sum(out)]
  }

  /**
   * Adds the deltas of the {@link AdditiveLinear} projections among {@code n} fused ones starting
   * at {@code first} to their columns of the fused output {@code y [B, T, sum(out)]} (in place: y
   * is this pass's own temporary).
   */
  private NDArray addDeltas(NDArray y, NDArray h, Proj first, int n) {
    long start = 0;
    for (int i = 0; i < n; i++) {
      Linear l = proj[first.ordinal() + i];
      long end = start + l.outFeatures();
      if (l instanceof AdditiveLinear a) {
        NDArray d = a.delta(h); // [B, T, out_i] or null
        if (d != null) {
          TorchOps.slice(y, 2, start, end).addi(d);
        }
      }
      start = end;
    }
    return y;
  }

  /**
   * {@code 1 / sqrt(headDim)} as a scalar array on the model weights' manager (that of the norm,
   * which adapters never replace), created once. Not {@code q.mul(double)}: DJL turns a Java number
   * into a temporary array backed by memory it frees right after the op, while autograd keeps that
   * array for the backward pass (gradients then read freed memory after a garbage collection).
   */
  private NDArray queryScale() {
    NDArray s = queryScale;
    if (s == null) {
      s = inputNorm.weight().getManager().create((float) (1.0 / Math.sqrt(headDim)));
      NDScope.unregister(s);
      queryScale = s;
    }
    return s;
  }

  /**
   * This block's weights by checkpoint name relative to the block (e.g. {@code
   * self_attn.q_proj.weight}), in checkpoint order. The arrays are the live ones the block computes
   * with (of the current, possibly replaced, linear layers), not copies.
   */
  public Map<String, NDArray> weights() {
    Map<String, NDArray> w = new LinkedHashMap<>();
    w.put("input_layernorm.weight", inputNorm.weight());
    for (Proj p : Proj.values()) {
      if (p == Proj.GATE) {
        w.put("post_attention_layernorm.weight", postAttentionNorm.weight());
      }
      Linear l = linear(p);
      w.put(p.suffix + ".weight", l.weight());
      if (l.bias() != null) {
        w.put(p.suffix + ".bias", l.bias());
      }
    }
    return w;
  }
}
