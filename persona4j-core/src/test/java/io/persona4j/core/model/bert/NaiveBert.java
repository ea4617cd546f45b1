/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.bert;

import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.FloatTensor;
import java.util.Map;

/**
 * A BERT encoder in plain double-precision Java loops, one unpadded sequence at a time: the
 * reference that {@link BertModel} (float32, batched, padded) is checked against.
 */
final class NaiveBert {
  private final BertConfig c;
  private final Map<String, FloatTensor> w;

  NaiveBert(BertConfig config, Map<String, FloatTensor> weights) {
    this.c = config;
    this.w = weights;
  }

  /** Last hidden state [T][H] of one sequence. */
  double[][] forward(long[] ids, long[] types) {
    int t = ids.length;
    int h = c.hiddenSize();
    double[][] x = new double[t][h];
    for (int p = 0; p < t; p++) {
      for (int k = 0; k < h; k++) {
        x[p][k] =
            get("embeddings.word_embeddings.weight", (int) ids[p], k, h)
                + get("embeddings.token_type_embeddings.weight", (int) types[p], k, h)
                + get("embeddings.position_embeddings.weight", p, k, h);
      }
    }
    x = layerNorm(x, "embeddings.LayerNorm");
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "encoder.layer." + l + ".";
      double[][] att = attention(x, p + "attention.self.");
      x =
          layerNorm(
              add(linear(att, p + "attention.output.dense"), x), p + "attention.output.LayerNorm");
      double[][] m = linear(x, p + "intermediate.dense");
      for (double[] row : m) {
        for (int k = 0; k < row.length; k++) {
          row[k] = gelu(row[k]);
        }
      }
      x = layerNorm(add(linear(m, p + "output.dense"), x), p + "output.LayerNorm");
    }
    return x;
  }

  private double[][] attention(double[][] x, String p) {
    int t = x.length;
    int nh = c.numAttentionHeads();
    int hd = c.headDim();
    double[][] q = linear(x, p + "query");
    double[][] k = linear(x, p + "key");
    double[][] v = linear(x, p + "value");
    double[][] out = new double[t][c.hiddenSize()];
    for (int head = 0; head < nh; head++) {
      int o = head * hd;
      for (int i = 0; i < t; i++) {
        double[] s = new double[t];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < t; j++) {
          for (int d = 0; d < hd; d++) {
            s[j] += q[i][o + d] * k[j][o + d];
          }
          s[j] /= Math.sqrt(hd);
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < t; j++) {
          s[j] = Math.exp(s[j] - max);
          sum += s[j];
        }
        for (int j = 0; j < t; j++) {
          for (int d = 0; d < hd; d++) {
            out[i][o + d] += s[j] / sum * v[j][o + d];
          }
        }
      }
    }
    return out;
  }

  private double gelu(double x) {
    if (c.hiddenAct().equals("gelu")) {
      return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }

  /** erf by its Maclaurin series (|x| < 3) or continued-fraction tail; accurate to ~1e-13. */
  static double erf(double x) {
    double ax = Math.abs(x);
    if (ax > 6) {
      return Math.signum(x);
    }
    if (ax < 3) {
      double term = ax;
      double sum = ax;
      for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
        term *= -ax * ax / n;
        sum += term / (2 * n + 1);
      }
      return Math.signum(x) * 2 / Math.sqrt(Math.PI) * sum;
    }
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
    double f = ax;
    for (int n = 60; n >= 1; n--) {
      f = ax + (n / 2.0) / f;
    }
    return Math.signum(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f);
  }

  private double[][] linear(double[][] x, String module) {
    FloatTensor wt = w.get(module + ".weight");
    FloatTensor b = w.get(module + ".bias");
    int out = (int) wt.shape()[0];
    int in = (int) wt.shape()[1];
    double[][] y = new double[x.length][out];
    for (int r = 0; r < x.length; r++) {
      for (int o = 0; o < out; o++) {
        double s = b.values()[o];
        for (int i = 0; i < in; i++) {
          s += x[r][i] * wt.values()[o * in + i];
        }
        y[r][o] = s;
      }
    }
    return y;
  }

  private double[][] layerNorm(double[][] x, String module) {
    float[] g = w.get(module + ".weight").values();
    float[] b = w.get(module + ".bias").values();
    double[][] y = new double[x.length][];
    for (int r = 0; r < x.length; r++) {
      double mean = 0;
      for (double v : x[r]) {
        mean += v / x[r].length;
      }
      double var = 0;
      for (double v : x[r]) {
        var += (v - mean) * (v - mean) / x[r].length;
      }
      double inv = 1 / Math.sqrt(var + c.layerNormEps());
      y[r] = new double[x[r].length];
      for (int k = 0; k < x[r].length; k++) {
        y[r][k] = (x[r][k] - mean) * inv * g[k] + b[k];
      }
    }
    return y;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] y = new double[a.length][];
    for (int r = 0; r < a.length; r++) {
      y[r] = new double[a[r].length];
      for (int k = 0; k < a[r].length; k++) {
        y[r][k] = a[r][k] + b[r][k];
      }
    }
    return y;
  }

  private double get(String name, int row, int col, int width) {
    return w.get(name).values()[row * width + col];
  }
}
