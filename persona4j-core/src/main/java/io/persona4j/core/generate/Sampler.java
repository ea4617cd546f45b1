/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** Picks the next token from one row of logits, following a {@link SamplingConfig}. */
public final class Sampler {
  private final SamplingConfig config;
  private final RandomGenerator random;

  public Sampler(SamplingConfig config, RandomGenerator random) {
    this.config = config;
    this.random = random;
  }

  /**
   * @param logits next-token logits {@code [V]}; modified in place
   * @param history prompt and generated ids so far (for the repetition penalty)
   * @param historyLength how many entries of {@code history} are valid
   */
  public long next(float[] logits, long[] history, int historyLength) {
    applyRepetitionPenalty(logits, history, historyLength, config.repetitionPenalty());
    if (config.greedy()) {
      return argmax(logits);
    }
    int v = logits.length;
    float invT = 1f / config.temperature();
    for (int i = 0; i < v; i++) {
      logits[i] *= invT;
    }
    if (config.topK() == 0 && config.topP() >= 1f) {
      return sampleAll(logits);
    }
    int[] order = descending(logits);
    int keep = config.topK() > 0 ? Math.min(config.topK(), v) : v;
    double max = logits[order[0]];
    double[] p = new double[keep];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[order[i]] - max);
      sum += p[i];
    }
    // top-p: smallest prefix whose mass reaches topP (at least one token).
    double cum = 0;
    int cut = keep;
    for (int i = 0; i < keep; i++) {
      cum += p[i] / sum;
      if (cum >= config.topP()) {
        cut = i + 1;
        break;
      }
    }
    double kept = 0;
    for (int i = 0; i < cut; i++) {
      kept += p[i];
    }
    double u = random.nextDouble() * kept;
    for (int i = 0; i < cut; i++) {
      u -= p[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[cut - 1];
  }

  /**
   * A draw from the softmax of all (already tempered) logits, scanning tokens in id order: no top-k
   * or top-p cut, so no sorting (O(V), as {@code torch.multinomial} over the full distribution).
   */
  private long sampleAll(float[] logits) {
    int v = logits.length;
    float max = Float.NEGATIVE_INFINITY;
    for (float x : logits) {
      max = Math.max(max, x);
    }
    double[] p = new double[v];
    double sum = 0;
    for (int i = 0; i < v; i++) {
      p[i] = Math.exp((double) logits[i] - max);
      sum += p[i];
    }
    double u = random.nextDouble() * sum;
    int last = 0;
    for (int i = 0; i < v; i++) {
      if (p[i] > 0) {
        last = i;
        u -= p[i];
        if (u < 0) {
          return i;
        }
      }
    }
    return last; // rounding left u >= 0: the last token with mass
  }

  /**
   * Token ids by descending logit, the lower id first among equal logits ({@link Float#compare}
   * order, NaN first), as one primitive sort: each id packed with its logit's order-preserving
   * bits.
   */
  static int[] descending(float[] logits) {
    int v = logits.length;
    long[] keys = new long[v];
    for (int i = 0; i < v; i++) {
      int bits = Float.floatToIntBits(logits[i]);
      int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed order == Float.compare order
      keys[i] = ((long) ~ordered << 32) | i; // ~: descending; the id breaks ties ascending
    }
    Arrays.sort(keys);
    int[] order = new int[v];
    for (int i = 0; i < v; i++) {
      order[i] = (int) keys[i];
    }
    return order;
  }

  /** CTRL repetition penalty as transformers applies it: divide positive, multiply negative. */
  static void applyRepetitionPenalty(float[] logits, long[] history, int n, float penalty) {
    if (penalty == 1f) {
      return;
    }
    boolean[] seen = new boolean[logits.length];
    for (int i = 0; i < n; i++) {
      int id = (int) history[i];
      if (id >= 0 && id < logits.length && !seen[id]) {
        seen[id] = true;
        logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
      }
    }
  }

  /** Index of the largest value; the lowest index wins ties; NaN never wins. */
  public static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best] || Float.isNaN(x[best])) {
        best = i;
      }
    }
    return best;
  }
}
