/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

/**
 * The SASRec forward pass on DJL arrays (differentiable: training records it under a gradient
 * collector).
 *
 * <pre>
 * x = item_emb[ids] * sqrt(d) + pos_emb[positions]      positions right-aligned to maxLen
 * x = dropout(x) * mask                                 mask: 1 on items, 0 on padding
 * per block (reference code, normFirst = false):
 *   q = LN_attn(x);  x = q + MHA(q, x, x)               keys/values from the un-normalized x
 *   f = LN_ffn(x);   x = (f + FFN(f)) * mask
 * per block (paper's eq. 4, normFirst = true):
 *   q = LN_attn(x);  x = x + MHA(q, q, q)
 *   x = (x + FFN(LN_ffn(x))) * mask
 * out = LN_last(x)
 * MHA: softmax(Q K^T / sqrt(d/h) + bias) V, then the output projection; bias masks future
 *   positions (causality) and padded keys; dropout on the attention probabilities
 * FFN: dropout(fc2(dropout(relu(fc1(f)))))
 * </pre>
 *
 * Masking padded keys (as Kang and McAuley's TensorFlow code does) makes the outputs at real
 * positions independent of how much padding precedes them. LayerNorm epsilon is 1e-8, as in the
 * reference code. The PyTorch port's output projection ({@code nn.MultiheadAttention}) is kept; the
 * TensorFlow code has none.
 */
final class SasRecNetwork {
  /** Added to masked attention scores: exp() of it underflows to exactly 0 after max-shift. */
  static final double MASKED = -1e9;

  static final float LAYER_NORM_EPS = 1e-8f;

  private final SasRecConfig config;
  private final SasRecWeights w;

  SasRecNetwork(SasRecConfig config, SasRecWeights weights) {
    this.config = config;
    this.w = weights;
  }

  /**
   * Hidden states {@code [rows, width, d]} of a padded batch, on {@code m}.
   *
   * @param dropout the training dropout, or null for inference
   */
  NDArray forward(PaddedBatch b, NDManager m, SeededDropout dropout) {
    DataType dt = w.dtype();
    int rows = b.rows();
    int width = b.width();
    int d = config.hiddenSize();
    NDArray ids = m.create(b.ids(), new Shape(rows, width)); // [B,W]
    NDArray positions = m.create(PaddedBatch.positions(width, config.maxLen())); // [W]
    NDArray mask = typed(m.create(b.mask(), new Shape(rows, width, 1)), dt); // [B,W,1]

    NDArray x = lookup(ids, w.get("item_emb.weight")).mul(scalar(m, Math.sqrt(d), dt)); // [B,W,d]
    x = x.add(lookup(positions, w.get("pos_emb.weight"))); // [B,W,d]
    x = drop(dropout, x).mul(mask); // [B,W,d]

    NDArray bias = attentionBias(b, m, dt); // [B,1,W,W]
    NDArray invSqrtHead = scalar(m, 1 / Math.sqrt(config.headDim()), dt);
    for (int i = 0; i < config.numBlocks(); i++) {
      x = block(x, mask, bias, invSqrtHead, "blocks." + i + ".", dropout);
    }
    return layerNorm(x, "last_norm"); // [B,W,d]
  }

  private NDArray block(
      NDArray x,
      NDArray mask,
      NDArray bias,
      NDArray invSqrtHead,
      String prefix,
      SeededDropout dropout) {
    NDArray q = layerNorm(x, prefix + "attn_norm"); // [B,W,d]
    NDArray kv = config.normFirst() ? q : x;
    NDArray att = attention(q, kv, bias, invSqrtHead, prefix + "attn.", dropout); // [B,W,d]
    x = (config.normFirst() ? x : q).add(att);
    NDArray f = layerNorm(x, prefix + "ffn_norm"); // [B,W,d]
    NDArray h = Activation.relu(linear(f, prefix + "ffn.fc1")); // [B,W,d]
    h = drop(dropout, linear(drop(dropout, h), prefix + "ffn.fc2")); // [B,W,d]
    x = (config.normFirst() ? x : f).add(h);
    return x.mul(mask);
  }

  private NDArray attention(
      NDArray qIn,
      NDArray kvIn,
      NDArray bias,
      NDArray invSqrtHead,
      String prefix,
      SeededDropout dropout) {
    long rows = qIn.getShape().get(0);
    long width = qIn.getShape().get(1);
    int h = config.numHeads();
    int hd = config.headDim();
    NDArray q = linear(qIn, prefix + "q").reshape(rows, width, h, hd).transpose(0, 2, 1, 3);
    NDArray k = linear(kvIn, prefix + "k").reshape(rows, width, h, hd).transpose(0, 2, 3, 1);
    NDArray v = linear(kvIn, prefix + "v").reshape(rows, width, h, hd).transpose(0, 2, 1, 3);
    NDArray scores = q.matMul(k).mul(invSqrtHead).add(bias); // [B,h,W,W]
    NDArray probs = drop(dropout, scores.softmax(-1)); // [B,h,W,W]
    NDArray o = probs.matMul(v).transpose(0, 2, 1, 3).reshape(rows, width, (long) h * hd);
    return linear(o, prefix + "out"); // [B,W,d]
  }

  /** Causal mask plus padded-key mask, {@code [B,1,W,W]}: 0 where attending is allowed. */
  static NDArray attentionBias(PaddedBatch b, NDManager m, DataType dt) {
    int width = b.width();
    float masked = (float) MASKED;
    float[] causal = new float[width * width];
    for (int i = 0; i < width; i++) {
      for (int j = i + 1; j < width; j++) {
        causal[i * width + j] = masked;
      }
    }
    long[] ids = b.ids();
    float[] keys = new float[ids.length];
    for (int i = 0; i < ids.length; i++) {
      keys[i] = ids[i] == 0 ? masked : 0f;
    }
    NDArray c = typed(m.create(causal, new Shape(1, 1, width, width)), dt);
    NDArray k = typed(m.create(keys, new Shape(b.rows(), 1, 1, width)), dt);
    return k.add(c);
  }

  private NDArray linear(NDArray x, String prefix) {
    return Linear.linear(x, w.get(prefix + ".weight"), w.get(prefix + ".bias")).singletonOrThrow();
  }

  private NDArray layerNorm(NDArray x, String prefix) {
    return LayerNorm.layerNorm(
            x,
            new Shape(config.hiddenSize()),
            w.get(prefix + ".weight"),
            w.get(prefix + ".bias"),
            LAYER_NORM_EPS)
        .singletonOrThrow();
  }

  static NDArray lookup(NDArray ids, NDArray table) {
    return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  private static NDArray drop(SeededDropout dropout, NDArray x) {
    return dropout == null ? x : dropout.apply(x);
  }

  /** A scalar constant as an array on {@code m} (never a Java number inside autograd). */
  static NDArray scalar(NDManager m, double v, DataType dt) {
    return dt == DataType.FLOAT64 ? m.create(v) : m.create((float) v);
  }

  /** {@code a} as {@code dt}, converting (a copy in PyTorch memory) only when needed. */
  static NDArray typed(NDArray a, DataType dt) {
    return a.getDataType() == dt ? a : a.toType(dt, true);
  }
}
