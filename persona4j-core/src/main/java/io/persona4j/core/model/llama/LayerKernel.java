/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.kernel.CachedAttention;
import io.persona4j.core.kernel.KernelTimer;
import io.persona4j.core.kernel.LowRankDelta;
import io.persona4j.core.kernel.RowOps;
import io.persona4j.core.model.AdditiveLinear;
import io.persona4j.core.model.Linear;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A block's small-batch decode work in the JVM, on {@code io.persona4j.core.kernel}: either a
 * sub-block per call (input norm + q/k/v + RoPE; the whole MLP), each one copy in and one array out
 * around PyTorch's attention, or the whole block for one new position over a {@link KvCache} read
 * and written in place ({@link #step}: no PyTorch op at all). Each method returns null when the
 * kernel does not apply, before any side effect, and PyTorch then computes that work.
 */
final class LayerKernel {
  private final LlamaLayer layer;

  LayerKernel(LlamaLayer layer) {
    this.layer = layer;
  }

  /**
   * A projection as the kernel computes it: the loaded weights and the columns each adapter term
   * adds to.
   */
  record Operands(Linear base, List<Linear.ColumnTerm> terms) {
    float[] multiply(float[] in, int rows) {
      return base.kernelMultiply(in, rows, terms);
    }
  }

  /**
   * Everything a decode step of this block needs from the kernel, gathered before anything is
   * computed: the fused q/k/v and gate/up, o and down.
   */
  record Plan(Operands qkv, Operands o, Operands gateUp, Operands down) {}

  /**
   * The {@link AdditiveLinear#kernelDeltas kernel terms} of the fused parts of {@code f} starting
   * at {@code first}, at their columns of the fused output; null if one of them has none.
   */
  List<Linear.ColumnTerm> fusedTerms(LlamaLayer.Fused f, LlamaLayer.Proj first) {
    List<Linear.ColumnTerm> terms = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < f.parts().length; i++) {
      Linear l = layer.linear(LlamaLayer.Proj.values()[first.ordinal() + i]);
      if (l instanceof AdditiveLinear a) {
        List<LowRankDelta> ds = a.kernelDeltas();
        if (ds == null) {
          return null;
        }
        for (LowRankDelta d : ds) {
          terms.add(new Linear.ColumnTerm(start, d));
        }
      }
      start += (int) l.outFeatures();
    }
    return terms;
  }

  private Operands fused(LlamaLayer.Fused f, LlamaLayer.Proj first) {
    if (f == null || !f.linear().kernelReady()) {
      return null;
    }
    List<Linear.ColumnTerm> terms = fusedTerms(f, first);
    return terms == null ? null : new Operands(f.linear(), terms);
  }

  /** A single projection: a loaded one, or an {@link AdditiveLinear} of it with kernel terms. */
  private Operands single(LlamaLayer.Proj p) {
    Linear l = layer.linear(p);
    List<Linear.ColumnTerm> terms = new ArrayList<>();
    if (l instanceof AdditiveLinear a && a.fusable()) {
      List<LowRankDelta> ds = a.kernelDeltas();
      if (ds == null) {
        return null;
      }
      ds.forEach(d -> terms.add(new Linear.ColumnTerm(0, d)));
      l = a.base();
    } else if (l.getClass() != Linear.class) {
      return null; // another kind of replacement: its own forward
    }
    return l.kernelReady() ? new Operands(l, terms) : null;
  }

  /** The whole block's plan, or null if some part of it cannot run on the kernel. */
  Plan plan() {
    Operands qkv = fused(layer.usableQkv(), LlamaLayer.Proj.Q);
    Operands o = qkv == null ? null : single(LlamaLayer.Proj.O);
    Operands gateUp = o == null ? null : fused(layer.usableGateUp(), LlamaLayer.Proj.GATE);
    Operands down = gateUp == null ? null : single(LlamaLayer.Proj.DOWN);
    // the norms last: their check reads native memory (Vector API classes), which only a
    // projection with decode weights guarantees to be there
    return down == null || !layer.inputNorm().inJvm() || !layer.postAttentionNorm().inJvm()
        ? null
        : new Plan(qkv, o, gateUp, down);
  }

  /**
   * Input norm, fused q/k/v with its adapter terms, RoPE on q and k and the query scale {@code 1 /
   * sqrt(hd)} on rows in the JVM: {@code [rows, (nh + 2 nkv) * hd]}.
   */
  private float[] qkvRows(Operands qkv, float[] x, int rows, float[] cos, float[] sin) {
    float[] h = layer.inputNorm().forward(x, rows); // [rows, H]
    float[] y = qkv.multiply(h, rows); // [rows, (nh+2nkv)*hd]
    int hd = layer.headDim();
    float scale = (float) (1.0 / Math.sqrt(hd)); // as LlamaLayer.queryScale()
    RowOps.rope(
        y,
        rows,
        y.length / rows,
        layer.heads() + layer.kvHeads(),
        hd,
        cos,
        sin,
        layer.heads(),
        scale);
    return y;
  }

  /** The MLP sub-block on rows in the JVM (norm, gate/up, {@code silu(gate) * up}, down). */
  private float[] mlpRows(Operands gateUp, Operands down, float[] x, int rows) {
    float[] h = layer.postAttentionNorm().forward(x, rows); // [rows, H]
    int inter = (int) layer.linear(LlamaLayer.Proj.GATE).outFeatures();
    float[] gu = gateUp.multiply(h, rows); // [rows, 2I]
    return down.multiply(RowOps.siluMul(gu, rows, inter), rows); // [rows, H]
  }

  /**
   * The whole block for one new position of each of {@code rows} sequences: {@code x + attn(...)}
   * then {@code + mlp(...)}, with the new keys and values written into {@code cache} at its current
   * length and attention over the cache read in place. No PyTorch op.
   *
   * @param x {@code [rows, H]} residual stream (not modified)
   * @param cos {@code [rows, hd]} RoPE cos of each row's position; {@code sin} likewise
   * @param mask {@code [rows, span]} additive mask over the cache slots, or null
   * @param keys this block's key cache memory ({@link DecoderCache#inPlace}); {@code values} its
   *     value cache
   * @param cache where each row writes, and how many slots it attends to
   * @return {@code [rows, H]}
   */
  float[] step(
      Plan plan,
      float[] x,
      int rows,
      float[] cos,
      float[] sin,
      float[] mask,
      ByteBuffer keys,
      ByteBuffer values,
      DecoderCache.InPlace cache) {
    float[] qkv = qkvRows(plan.qkv(), x, rows, cos, sin); // [rows, (nh+2nkv)*hd]
    float[] att =
        CachedAttention.decode(
            qkv,
            rows,
            layer.heads(),
            layer.kvHeads(),
            layer.headDim(),
            keys,
            values,
            cache.capacity(),
            cache.positions(),
            cache.span(),
            mask); // [rows, nh*hd]
    float[] y = plan.o().multiply(att, rows); // [rows, H]
    RowOps.addTo(y, x); // x + attn
    float[] m = mlpRows(plan.gateUp(), plan.down(), y, rows); // [rows, H]
    RowOps.addTo(m, y); // + mlp
    return m;
  }

  /**
   * {@link #qkvRows} on {@code x [B, T, H]}: one copy in, one array out ({@code [B, T, (nh + 2nkv)
   * * hd]}), PyTorch attention around it. Null when the kernel does not apply.
   */
  NDArray qkv(NDArray x, Rope.Angles angles) {
    LlamaLayer.Fused f = layer.usableQkv();
    if (f == null || !f.linear().kernelApplies(x) || !layer.inputNorm().inJvm()) {
      return null;
    }
    Operands qkv = fused(f, LlamaLayer.Proj.Q);
    if (qkv == null) {
      return null;
    }
    long t0 = KernelTimer.enabled() ? System.nanoTime() : 0;
    int rows = (int) (x.size() / x.getShape().tail());
    float[][] cs = angles.inJvm(); // cos, sin [rows, hd]
    float[] y = qkvRows(qkv, x.toFloatArray(), rows, cs[0], cs[1]);
    NDArray out =
        x.getManager()
            .create(y, new Shape(x.getShape().get(0), x.getShape().get(1), y.length / rows));
    if (t0 != 0) {
      KernelTimer.add(System.nanoTime() - t0);
    }
    return out;
  }

  /**
   * The whole MLP sub-block of {@code x [B, T, H]} in one pass through the JVM: one copy in, one
   * array out ({@code [B, T, H]}), where PyTorch runs about 15 ops. Null when the kernel does not
   * apply to every part.
   */
  NDArray mlp(NDArray x) {
    LlamaLayer.Fused f = layer.usableGateUp();
    if (f == null || !f.linear().kernelApplies(x) || !layer.postAttentionNorm().inJvm()) {
      return null;
    }
    Operands down = single(LlamaLayer.Proj.DOWN);
    Operands gateUp = down == null ? null : fused(f, LlamaLayer.Proj.GATE);
    if (gateUp == null) {
      return null;
    }
    long t0 = KernelTimer.enabled() ? System.nanoTime() : 0;
    int rows = (int) (x.size() / x.getShape().tail());
    float[] y = mlpRows(gateUp, down, x.toFloatArray(), rows);
    NDArray out = x.getManager().create(y, x.getShape()); // [B, T, H]
    if (t0 != 0) {
      KernelTimer.add(System.nanoTime() - t0);
    }
    return out;
  }
}
