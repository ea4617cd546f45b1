/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.FloatTensor;
import java.util.Map;

/**
 * A deliberately naive Llama forward pass in plain Java loops and doubles, written straight from
 * the Hugging Face modeling code, used as a reference for {@link LlamaModel}. One sequence, no
 * cache, no batching, no DJL.
 */
final class NaiveLlama {
  private final LlamaConfig c;
  private final Map<String, FloatTensor> w;
  private final double[] invFreq;

  NaiveLlama(LlamaConfig config, Map<String, FloatTensor> weights) {
    this.c = config;
    this.w = weights;
    this.invFreq = Rope.inverseFrequencies(config);
  }

  /** Logits of every position: {@code [T][V]}. */
  double[][] logits(long[] ids) {
    int t = ids.length;
    int h = c.hiddenSize();
    double[][] x = new double[t][];
    float[] emb = w.get("model.embed_tokens.weight").values();
    for (int i = 0; i < t; i++) {
      x[i] = new double[h];
      for (int j = 0; j < h; j++) {
        x[i][j] = emb[(int) ids[i] * h + j];
      }
    }
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      double[][] hn = rms(x, p + "input_layernorm.weight");
      double[][] att = attention(hn, p);
      double[][] o = lin(att, p + "self_attn.o_proj");
      add(x, o);
      hn = rms(x, p + "post_attention_layernorm.weight");
      double[][] g = lin(hn, p + "mlp.gate_proj");
      double[][] u = lin(hn, p + "mlp.up_proj");
      for (int i = 0; i < t; i++) {
        for (int j = 0; j < g[i].length; j++) {
          double s = g[i][j] / (1 + Math.exp(-g[i][j]));
          g[i][j] = s * u[i][j];
        }
      }
      add(x, lin(g, p + "mlp.down_proj"));
    }
    x = rms(x, "model.norm.weight");
    String head = c.tieWordEmbeddings() ? "model.embed_tokens" : "lm_head";
    return lin(x, head);
  }

  private double[][] attention(double[][] x, String p) {
    int t = x.length;
    int nh = c.numAttentionHeads();
    int nkv = c.numKeyValueHeads();
    int d = c.headDim();
    double[][] q = lin(x, p + "self_attn.q_proj");
    double[][] k = lin(x, p + "self_attn.k_proj");
    double[][] v = lin(x, p + "self_attn.v_proj");
    for (int i = 0; i < t; i++) {
      for (int hh = 0; hh < nh; hh++) {
        rope(q[i], hh * d, i);
      }
      for (int hh = 0; hh < nkv; hh++) {
        rope(k[i], hh * d, i);
      }
    }
    double[][] out = new double[t][nh * d];
    int window = c.attentionWindow();
    for (int hh = 0; hh < nh; hh++) {
      int kvh = hh / (nh / nkv);
      for (int i = 0; i < t; i++) {
        double[] s = new double[i + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= i; j++) {
          if (window > 0 && i - j >= window) {
            s[j] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double dot = 0;
          for (int e = 0; e < d; e++) {
            dot += q[i][hh * d + e] * k[j][kvh * d + e];
          }
          s[j] = dot / Math.sqrt(d);
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j <= i; j++) {
          s[j] = Math.exp(s[j] - max);
          sum += s[j];
        }
        for (int j = 0; j <= i; j++) {
          for (int e = 0; e < d; e++) {
            out[i][hh * d + e] += s[j] / sum * v[j][kvh * d + e];
          }
        }
      }
    }
    return out;
  }

  /** HF rotate_half: pairs (e, e + d/2). */
  private void rope(double[] vec, int off, int pos) {
    int half = c.headDim() / 2;
    for (int e = 0; e < half; e++) {
      double angle = pos * invFreq[e];
      double a = vec[off + e];
      double b = vec[off + e + half];
      vec[off + e] = a * Math.cos(angle) - b * Math.sin(angle);
      vec[off + e + half] = b * Math.cos(angle) + a * Math.sin(angle);
    }
  }

  private double[][] rms(double[][] x, String name) {
    float[] g = w.get(name).values();
    double[][] y = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      double ss = 0;
      for (double v : x[i]) {
        ss += v * v;
      }
      double inv = 1 / Math.sqrt(ss / x[i].length + c.rmsNormEps());
      y[i] = new double[x[i].length];
      for (int j = 0; j < x[i].length; j++) {
        y[i][j] = g[j] * x[i][j] * inv;
      }
    }
    return y;
  }

  private double[][] lin(double[][] x, String name) {
    FloatTensor wt = w.get(name + ".weight");
    FloatTensor b = w.get(name + ".bias");
    int out = (int) wt.shape()[0];
    int in = (int) wt.shape()[1];
    float[] wv = wt.values();
    double[][] y = new double[x.length][out];
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < out; o++) {
        double s = b == null ? 0 : b.values()[o];
        for (int j = 0; j < in; j++) {
          s += wv[o * in + j] * x[i][j];
        }
        y[i][o] = s;
      }
    }
    return y;
  }

  private static void add(double[][] x, double[][] y) {
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] += y[i][j];
      }
    }
  }
}
