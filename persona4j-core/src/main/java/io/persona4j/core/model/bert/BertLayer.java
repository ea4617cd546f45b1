/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.Linear;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One post-LN encoder layer: bidirectional multi-head self-attention, residual, LayerNorm; then a
 * GELU MLP, residual, LayerNorm. Shape comments use B = batch, T = sequence length, H = hidden
 * size, nh = heads, hd = head size, I = intermediate.
 */
public final class BertLayer {
  /** The linear projections of a layer, in Hugging Face module naming. */
  public enum Proj {
    QUERY("attention.self.query"),
    KEY("attention.self.key"),
    VALUE("attention.self.value"),
    ATTENTION_OUT("attention.output.dense"),
    INTERMEDIATE("intermediate.dense"),
    OUTPUT("output.dense");

    /** The module path relative to the layer, e.g. {@code attention.self.query}. */
    public final String suffix;

    Proj(String suffix) {
      this.suffix = suffix;
    }

    /** The projection with module-path suffix {@code suffix}, or null. */
    static Proj ofSuffix(String suffix) {
      for (Proj p : values()) {
        if (p.suffix.equals(suffix)) {
          return p;
        }
      }
      return null;
    }
  }

  /**
   * Constants of the forward pass as scalar arrays living as long as the weights. Not Java numbers
   * ({@code x.mul(0.5f)}): DJL backs such a number by a temporary array whose memory it frees right
   * after the op, while autograd keeps that array for the backward pass (see {@code
   * io.persona4j.core.train.Autograd}); training adapters on this encoder would read freed memory.
   */
  record Constants(NDArray sqrtHeadDim, NDArray geluCoefficient, NDArray geluScale, NDArray half) {
    static Constants on(NDManager m, BertConfig config) {
      return new Constants(
          constant(m, (float) Math.sqrt(config.headDim())),
          constant(m, 0.044715f),
          constant(m, (float) Math.sqrt(2 / Math.PI)),
          constant(m, 0.5f));
    }

    private static NDArray constant(NDManager m, float value) {
      NDArray a = m.create(value);
      NDScope.unregister(a);
      return a;
    }
  }

  private final int index;
  private final BertConfig config;
  private final Constants constants;
  private final Linear[] proj = new Linear[Proj.values().length];
  private final NDArray attentionNormWeight;
  private final NDArray attentionNormBias;
  private final NDArray outputNormWeight;
  private final NDArray outputNormBias;

  BertLayer(
      int index,
      BertConfig config,
      Constants constants,
      Linear[] projections,
      NDArray attentionNormWeight,
      NDArray attentionNormBias,
      NDArray outputNormWeight,
      NDArray outputNormBias) {
    this.index = index;
    this.config = config;
    this.constants = constants;
    System.arraycopy(projections, 0, proj, 0, proj.length);
    this.attentionNormWeight = attentionNormWeight;
    this.attentionNormBias = attentionNormBias;
    this.outputNormWeight = outputNormWeight;
    this.outputNormBias = outputNormBias;
  }

  public int index() {
    return index;
  }

  public Linear linear(Proj p) {
    return proj[p.ordinal()];
  }

  /** Replaces a projection (adapter injection); the replacement must keep the shapes. */
  public void setLinear(Proj p, Linear replacement) {
    proj[p.ordinal()] = proj[p.ordinal()].requireSameShape(replacement);
  }

  /** The layer's projections by module-path suffix, in order. */
  Map<String, Linear> linears() {
    Map<String, Linear> m = new LinkedHashMap<>();
    for (Proj p : Proj.values()) {
      m.put(p.suffix, linear(p));
    }
    return m;
  }

  /**
   * @param x {@code [B, T, H]} hidden states
   * @param keyBias {@code [B, 1, 1, T]} additive key mask: 0 on real tokens, the most negative
   *     float on padding
   * @return {@code [B, T, H]}
   */
  NDArray forward(NDArray x, NDArray keyBias) {
    x = layerNorm(attention(x, keyBias).add(x), attentionNormWeight, attentionNormBias); // [B,T,H]
    return layerNorm(mlp(x).add(x), outputNormWeight, outputNormBias); // [B,T,H]
  }

  /** Bidirectional multi-head self-attention: every token attends to every non-padded token. */
  private NDArray attention(NDArray x, NDArray keyBias) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int nh = config.numAttentionHeads();
    int hd = config.headDim();
    NDArray q =
        linear(Proj.QUERY).forward(x).reshape(b, t, nh, hd).transpose(0, 2, 1, 3); // [B,nh,T,hd]
    NDArray k =
        linear(Proj.KEY).forward(x).reshape(b, t, nh, hd).transpose(0, 2, 3, 1); // [B,nh,hd,T]
    NDArray v =
        linear(Proj.VALUE).forward(x).reshape(b, t, nh, hd).transpose(0, 2, 1, 3); // [B,nh,T,hd]
    NDArray att = q.matMul(k).div(constants.sqrtHeadDim()); // [B,nh,T,T]
    att = att.add(keyBias).softmax(-1); // [B,nh,T,T]
    NDArray y = att.matMul(v); // [B,nh,T,hd]
    y = y.transpose(0, 2, 1, 3).reshape(b, t, config.hiddenSize()); // [B,T,H]
    return linear(Proj.ATTENTION_OUT).forward(y); // [B,T,H]
  }

  /** Feed-forward: dense, GELU, dense. */
  private NDArray mlp(NDArray x) {
    NDArray m = linear(Proj.INTERMEDIATE).forward(x); // [B,T,I]
    m = gelu(m); // [B,T,I]
    return linear(Proj.OUTPUT).forward(m); // [B,T,H]
  }

  private NDArray gelu(NDArray x) {
    if (config.hiddenAct().equals("gelu")) {
      return Activation.gelu(x); // exact: 0.5 x (1 + erf(x / sqrt 2))
    }
    // gelu_new / gelu_pytorch_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    // x * x * x is what torch computes for pow(x, 3); constants are arrays (see Constants).
    NDArray inner =
        x.mul(x).mul(x).mul(constants.geluCoefficient()).add(x).mul(constants.geluScale());
    return x.mul(constants.half()).mul(inner.tanh().add(1f));
  }

  private NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
    return layerNorm(x, gamma, beta, config);
  }

  /** LayerNorm over the last axis with the config's epsilon (also the embeddings' norm). */
  static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, BertConfig config) {
    Shape last = new Shape(x.getShape().get(x.getShape().dimension() - 1));
    return LayerNorm.layerNorm(x, last, gamma, beta, config.layerNormEps().floatValue()).head();
  }
}
