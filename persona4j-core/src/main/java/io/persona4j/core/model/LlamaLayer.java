package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Activation;
import io.persona4j.core.config.LlamaConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** One pre-norm decoder block: grouped-query self-attention with RoPE, then a SwiGLU MLP. */
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

  LlamaLayer(
      int index, LlamaConfig config, RmsNorm inputNorm, RmsNorm postAttentionNorm, Linear[] p) {
    this.index = index;
    this.heads = config.numAttentionHeads();
    this.kvHeads = config.numKeyValueHeads();
    this.headDim = config.headDim();
    this.inputNorm = inputNorm;
    this.postAttentionNorm = postAttentionNorm;
    System.arraycopy(p, 0, proj, 0, proj.length);
  }

  public Linear linear(Proj p) {
    return proj[p.ordinal()];
  }

  /** Replaces a projection (adapter injection); the replacement must keep the shapes. */
  public void setLinear(Proj p, Linear replacement) {
    Linear old = proj[p.ordinal()];
    if (replacement.inFeatures() != old.inFeatures()
        || replacement.outFeatures() != old.outFeatures()) {
      throw new IllegalArgumentException("replacement for " + old.name() + " changes its shape");
    }
    proj[p.ordinal()] = replacement;
  }

  public int index() {
    return index;
  }

  /**
   * @param x {@code [B, T, H]} hidden states
   * @param positions {@code [B, T]} int64 RoPE positions
   * @param mask {@code [B, 1, T, S]} additive mask over all key slots
   * @param cache KV cache or null (then S = T)
   * @return {@code [B, T, H]}
   */
  NDArray forward(NDArray x, NDArray positions, NDArray mask, Rope rope, KvCache cache) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int groups = heads / kvHeads;

    // --- attention ---
    NDArray h = inputNorm.forward(x); // [B, T, H]
    NDArray q = linear(Proj.Q).forward(h).reshape(b, t, heads, headDim); // [B, T, nh, hd]
    NDArray k = linear(Proj.K).forward(h).reshape(b, t, kvHeads, headDim); // [B, T, nkv, hd]
    NDArray v = linear(Proj.V).forward(h).reshape(b, t, kvHeads, headDim); // [B, T, nkv, hd]
    q = rope.apply(q.transpose(0, 2, 1, 3), positions); // [B, nh, T, hd]
    k = rope.apply(k.transpose(0, 2, 1, 3), positions); // [B, nkv, T, hd]
    v = v.transpose(0, 2, 1, 3); // [B, nkv, T, hd]
    if (cache != null) {
      NDArray[] kv = cache.append(index, k, v);
      k = kv[0]; // [B, nkv, S, hd]
      v = kv[1]; // [B, nkv, S, hd]
    }
    long s = k.getShape().get(2);
    // Query heads of one group share a KV head: fold the group into the query axis.
    NDArray qg = q.mul(queryScale()).reshape(b, kvHeads, groups * t, headDim);
    NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2)); // [B, nkv, g*T, S]
    scores = scores.reshape(b, kvHeads, groups, t, s).add(mask.expandDims(1)); // [B,nkv,g,T,S]
    NDArray probs = scores.softmax(-1).reshape(b, kvHeads, groups * t, s); // [B, nkv, g*T, S]
    NDArray att = probs.matMul(v); // [B, nkv, g*T, hd]
    att = att.reshape(b, heads, t, headDim).transpose(0, 2, 1, 3).reshape(b, t, -1); // [B,T,nh*hd]
    x = x.add(linear(Proj.O).forward(att)); // [B, T, H]

    // --- SwiGLU MLP ---
    h = postAttentionNorm.forward(x); // [B, T, H]
    NDArray gate = linear(Proj.GATE).forward(h); // [B, T, I]
    NDArray up = linear(Proj.UP).forward(h); // [B, T, I]
    NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up); // [B, T, I]
    return x.add(linear(Proj.DOWN).forward(act)); // [B, T, H]
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
