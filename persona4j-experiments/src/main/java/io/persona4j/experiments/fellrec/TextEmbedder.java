/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.Autograd;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * BIGRec's text embedding: the final-norm last-layer hidden state of a text's last token, computed
 * by a decoder (whatever adapters are active in it; the experiment uses the frozen base). Texts are
 * tokenized without special tokens, truncated to their first {@code maxTokens} tokens, sorted by
 * length and run in right-padded batches.
 */
public final class TextEmbedder {
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final int batch;
  private final int maxTokens;

  /**
   * @param batch texts per forward pass, {@code >= 1}
   * @param maxTokens longest tokenized text kept, {@code >= 1}
   */
  public TextEmbedder(LlamaModel model, Tokenizer tokenizer, int batch, int maxTokens) {
    this.model = Objects.requireNonNull(model, "model");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
    }
    this.batch = batch;
    this.maxTokens = maxTokens;
  }

  /** One embedding per text, in order ({@code [texts.size()][hidden]}). */
  public float[][] embed(List<String> texts) {
    int n = texts.size();
    long[][] ids = new long[n][];
    for (int i = 0; i < n; i++) {
      long[] t = tokenizer.encode(texts.get(i), false);
      if (t.length == 0) {
        throw new IllegalArgumentException("text " + i + " has no tokens: '" + texts.get(i) + "'");
      }
      ids[i] = t.length > maxTokens ? Arrays.copyOf(t, maxTokens) : t;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> ids[i].length));
    float[][] out = new float[n][];
    int hidden = model.config().hiddenSize();
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager m = TensorRuntime.newManager()) {
      for (int from = 0; from < n; from += batch) {
        int b = Math.min(batch, n - from);
        int t = ids[order[from + b - 1]].length;
        long[] flat = new long[b * t];
        boolean[][] valid = new boolean[b][t];
        for (int r = 0; r < b; r++) {
          long[] row = ids[order[from + r]];
          System.arraycopy(row, 0, flat, r * t, row.length);
          Arrays.fill(valid[r], 0, row.length, true);
        }
        try (NDManager bm = m.newSubManager()) {
          NDArray x = bm.create(flat, new Shape(b, t)); // [B, T]
          NDArray positions = bm.create(LlamaModel.positionsFrom(valid), new Shape(b, t));
          NDArray mask = AttentionMask.causal(valid, 0, t, model.config().attentionWindow(), bm);
          NDArray h = model.hidden(model.embed(x), positions, mask, null); // [B, T, H]
          float[] v = h.toFloatArray();
          for (int r = 0; r < b; r++) {
            int last = ids[order[from + r]].length - 1;
            int at = (r * t + last) * hidden;
            out[order[from + r]] = Arrays.copyOfRange(v, at, at + hidden);
          }
        }
      }
    }
    return out;
  }
}
