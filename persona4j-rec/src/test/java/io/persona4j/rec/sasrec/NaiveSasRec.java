/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import java.util.Arrays;
import java.util.Map;

/**
 * An independent double-precision SASRec forward pass written from the description in {@link
 * SasRecNetwork}, one sequence at a time and without padding (plain loops, no DJL).
 */
final class NaiveSasRec {
  private final SasRecConfig c;
  private final Map<String, float[]> w;

  NaiveSasRec(SasRecConfig config, Map<String, float[]> weights) {
    this.c = config;
    this.w = weights;
  }

  /** Hidden states {@code [n][d]} of the last {@code min(len, maxLen)} items of a history. */
  double[][] forward(int[] history) {
    int n = Math.min(history.length, c.maxLen());
    int[] items = Arrays.copyOfRange(history, history.length - n, history.length);
    int d = c.hiddenSize();
    double[][] x = new double[n][d];
    for (int t = 0; t < n; t++) {
      int pos = c.maxLen() - n + t;
      for (int j = 0; j < d; j++) {
        x[t][j] =
            w.get("item_emb.weight")[items[t] * d + j] * Math.sqrt(d)
                + w.get("pos_emb.weight")[pos * d + j];
      }
    }
    for (int b = 0; b < c.numBlocks(); b++) {
      String p = "blocks." + b + ".";
      double[][] q = layerNorm(x, p + "attn_norm");
      double[][] kv = c.normFirst() ? q : x;
      double[][] att = attention(q, kv, p + "attn.");
      double[][] base = c.normFirst() ? x : q;
      x = add(base, att);
      double[][] f = layerNorm(x, p + "ffn_norm");
      double[][] h = linear(f, p + "ffn.fc1");
      for (double[] row : h) {
        for (int j = 0; j < d; j++) {
          row[j] = Math.max(0, row[j]);
        }
      }
      h = linear(h, p + "ffn.fc2");
      x = add(c.normFirst() ? x : f, h);
    }
    return layerNorm(x, "last_norm");
  }

  private double[][] attention(double[][] qIn, double[][] kvIn, String p) {
    int n = qIn.length;
    int d = c.hiddenSize();
    int hd = c.headDim();
    double[][] q = linear(qIn, p + "q");
    double[][] k = linear(kvIn, p + "k");
    double[][] v = linear(kvIn, p + "v");
    double[][] o = new double[n][d];
    for (int head = 0; head < c.numHeads(); head++) {
      int off = head * hd;
      for (int t = 0; t < n; t++) {
        double[] s = new double[t + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= t; j++) {
          double dot = 0;
          for (int e = 0; e < hd; e++) {
            dot += q[t][off + e] * k[j][off + e];
          }
          s[j] = dot / Math.sqrt(hd);
          max = Math.max(max, s[j]);
        }
        double z = 0;
        for (int j = 0; j <= t; j++) {
          s[j] = Math.exp(s[j] - max);
          z += s[j];
        }
        for (int j = 0; j <= t; j++) {
          for (int e = 0; e < hd; e++) {
            o[t][off + e] += s[j] / z * v[j][off + e];
          }
        }
      }
    }
    return linear(o, p + "out");
  }

  private double[][] linear(double[][] x, String p) {
    int d = c.hiddenSize();
    float[] wt = w.get(p + ".weight");
    float[] bias = w.get(p + ".bias");
    double[][] y = new double[x.length][d];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < d; o++) {
        double s = bias[o];
        for (int i = 0; i < d; i++) {
          s += wt[o * d + i] * x[t][i];
        }
        y[t][o] = s;
      }
    }
    return y;
  }

  private double[][] layerNorm(double[][] x, String p) {
    float[] g = w.get(p + ".weight");
    float[] b = w.get(p + ".bias");
    double[][] y = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      double mean = Arrays.stream(x[t]).average().orElseThrow();
      double var = 0;
      for (double v : x[t]) {
        var += (v - mean) * (v - mean);
      }
      var /= x[t].length;
      y[t] = new double[x[t].length];
      for (int j = 0; j < x[t].length; j++) {
        y[t][j] = (x[t][j] - mean) / Math.sqrt(var + SasRecNetwork.LAYER_NORM_EPS) * g[j] + b[j];
      }
    }
    return y;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] y = new double[a.length][a[0].length];
    for (int t = 0; t < a.length; t++) {
      for (int j = 0; j < a[t].length; j++) {
        y[t][j] = a[t][j] + b[t][j];
      }
    }
    return y;
  }
}
