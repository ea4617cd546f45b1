/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.classify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Texts of one encoder pass: tokenized with special tokens, truncated to the encoder's positions
 * (and said so), right-padded to {@code [B, T]} with an attention mask; and the per-text results of
 * the pass's probabilities. Shared by the classifier services.
 */
final class TextBatch {
  private final int size;
  private final int length;
  private final long[] ids;
  private final long[] mask;
  private final boolean[] truncated;

  private TextBatch(int size, int length, long[] ids, long[] mask, boolean[] truncated) {
    this.size = size;
    this.length = length;
    this.ids = ids;
    this.mask = mask;
    this.truncated = truncated;
  }

  /** Tokenizes and pads {@code texts}, each cut to {@code maxTokens}. */
  static TextBatch of(Tokenizer tokenizer, List<String> texts, int maxTokens) {
    int b = texts.size();
    List<long[]> seqs = new ArrayList<>();
    boolean[] truncated = new boolean[b];
    int t = 1;
    for (int i = 0; i < b; i++) {
      long[] x = tokenizer.encode(texts.get(i), true);
      if (x.length > maxTokens) {
        x = Arrays.copyOf(x, maxTokens);
        truncated[i] = true;
      }
      seqs.add(x);
      t = Math.max(t, x.length);
    }
    long[] flat = new long[b * t];
    long[] mask = new long[b * t];
    for (int i = 0; i < b; i++) {
      long[] x = seqs.get(i);
      System.arraycopy(x, 0, flat, i * t, x.length);
      Arrays.fill(mask, i * t, i * t + x.length, 1L);
    }
    return new TextBatch(b, t, flat, mask, truncated);
  }

  int size() {
    return size;
  }

  /** {@code [B, T]} int64 token ids on {@code m}. */
  NDArray ids(NDManager m) {
    return m.create(ids, new Shape(size, length));
  }

  /** {@code [B, T]} int64, 1 for real tokens, on {@code m}. */
  NDArray mask(NDManager m) {
    return m.create(mask, new Shape(size, length)).toType(DataType.INT64, false);
  }

  /** One result per text from the pass's probabilities {@code [B * C]} over {@code labels}. */
  List<ClassifierService.Result> results(float[] probs, List<String> labels) {
    int c = labels.size();
    List<ClassifierService.Result> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      float[] pr = Arrays.copyOfRange(probs, i * c, (i + 1) * c);
      int best = 0;
      for (int k = 1; k < c; k++) {
        best = pr[k] > pr[best] ? k : best;
      }
      out.add(new ClassifierService.Result(labels.get(best), labels, pr, truncated[i]));
    }
    return out;
  }
}
