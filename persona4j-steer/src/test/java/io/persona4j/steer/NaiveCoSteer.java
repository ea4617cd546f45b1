/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.Arrays;
import java.util.Set;

/**
 * The reference of the steered generator's greedy tokens: at every step, each of the three models
 * recomputes its whole prefix ({@code LlamaModel.logits}, no KV cache), the logits are cut to the
 * shared vocabulary, and the rule combines them; the argmax is appended to all three prefixes.
 */
public final class NaiveCoSteer {
  private NaiveCoSteer() {}

  /**
   * @param rule the steering rule, or null for the cloud's own greedy policy
   * @return the greedy tokens, the stop token included
   */
  public static long[] greedy(
      LlamaModel cloud,
      LlamaModel device,
      int vocab,
      SteeringRule rule,
      long[] cloudIds,
      long[] ctxIds,
      long[] noctxIds,
      int maxNew,
      Set<Long> eos,
      NDManager parent) {
    long[] c = cloudIds.clone();
    long[] x = ctxIds.clone();
    long[] y = noctxIds.clone();
    long[] out = new long[maxNew];
    int n = 0;
    while (n < maxNew) {
      try (NDManager m = parent.newSubManager()) {
        NDArray pi = lastLogits(cloud, c, vocab, m).logSoftmax(-1); // [V]
        NDArray policy = pi;
        if (rule != null) {
          NDArray delta =
              lastLogits(device, x, vocab, m)
                  .logSoftmax(-1)
                  .sub(lastLogits(device, y, vocab, m).logSoftmax(-1)); // [V]
          policy = rule.apply(pi, delta);
        }
        float[] p = policy.toFloatArray();
        int best = 0;
        for (int i = 1; i < p.length; i++) {
          if (p[i] > p[best]) {
            best = i;
          }
        }
        out[n++] = best;
        if (eos.contains((long) best)) {
          break;
        }
        c = append(c, best);
        x = append(x, best);
        y = append(y, best);
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** The last position's logits over ids {@code [0, vocab)} of a full forward pass. */
  public static NDArray lastLogits(LlamaModel model, long[] ids, int vocab, NDManager m) {
    NDArray logits = model.logits(m.create(ids, new Shape(1, ids.length)), null); // [1, T, W]
    return logits.get(new NDIndex("0, -1, :" + vocab)); // [V]
  }

  private static long[] append(long[] a, long v) {
    long[] b = Arrays.copyOf(a, a.length + 1);
    b[a.length] = v;
    return b;
  }
}
