/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Example;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encoded prompts collated into padded {@code [B, T]} host arrays, with the placeholders as flat
 * positions {@code b * T + t}. Right padding for training and scoring (labels shift as in core's
 * {@code Batch}), left padding for generation (every row's last prompt token at slot T - 1).
 */
final class PromptBatch {
  final int size;
  final int length;
  final long[] ids; // [B * T]
  final boolean[][] valid; // [B][T]
  final int[] flatPositions;
  final int[] items;
  final long[] targets; // [B * T], right padding with labels only
  final float[] weights; // [B * T]
  final int targetCount;
  final List<RecSample> samples;

  private PromptBatch(
      int size,
      int length,
      long[] ids,
      boolean[][] valid,
      int[] flatPositions,
      int[] items,
      long[] targets,
      float[] weights,
      int targetCount,
      List<RecSample> samples) {
    this.size = size;
    this.length = length;
    this.ids = ids;
    this.valid = valid;
    this.flatPositions = flatPositions;
    this.items = items;
    this.targets = targets;
    this.weights = weights;
    this.targetCount = targetCount;
    this.samples = samples;
  }

  /**
   * Collates {@code prompts}; targets and weights are filled when every prompt has labels.
   *
   * @param leftPad pad on the left (generation) instead of the right
   */
  static PromptBatch of(List<EncodedPrompt> prompts, long padId, boolean leftPad) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    int b = prompts.size();
    int t = 0;
    int placeholders = 0;
    boolean labelled = true;
    for (EncodedPrompt p : prompts) {
      t = Math.max(t, p.length());
      placeholders += p.placeholderPositions().length;
      labelled &= p.labels() != null;
    }
    long[] ids = new long[b * t];
    boolean[][] valid = new boolean[b][t];
    int[] flat = new int[placeholders];
    int[] items = new int[placeholders];
    long[] targets = labelled ? new long[b * t] : null;
    float[] weights = labelled ? new float[b * t] : null;
    int count = 0;
    int k = 0;
    List<RecSample> samples = new ArrayList<>(b);
    for (int r = 0; r < b; r++) {
      EncodedPrompt p = prompts.get(r);
      samples.add(p.sample());
      long[] x = p.ids();
      int offset = leftPad ? t - x.length : 0;
      Arrays.fill(ids, r * t, (r + 1) * t, padId);
      for (int c = 0; c < x.length; c++) {
        ids[r * t + offset + c] = x[c];
        valid[r][offset + c] = true;
      }
      int[] pos = p.placeholderPositions();
      int[] its = p.placeholderItems();
      for (int j = 0; j < pos.length; j++) {
        flat[k] = r * t + offset + pos[j];
        items[k++] = its[j];
      }
      if (labelled) {
        long[] labels = p.labels();
        for (int c = 0; c + 1 < x.length; c++) {
          if (labels[c + 1] != Example.IGNORE) {
            targets[r * t + offset + c] = labels[c + 1];
            weights[r * t + offset + c] = 1f;
            count++;
          }
        }
      }
    }
    return new PromptBatch(b, t, ids, valid, flat, items, targets, weights, count, samples);
  }

  NDArray ids(NDManager m) {
    return m.create(ids, new Shape(size, length));
  }

  /** RoPE positions counting real tokens only. */
  NDArray positions(NDManager m) {
    return m.create(LlamaModel.positionsFrom(valid), new Shape(size, length));
  }

  NDArray targets(NDManager m) {
    return m.create(requireLabels(targets), new Shape(size, length));
  }

  NDArray weights(NDManager m) {
    return m.create(requireLabels(weights), new Shape(size, length));
  }

  private static <T> T requireLabels(T a) {
    if (a == null) {
      throw new IllegalStateException("a batch of prompts without answers has no targets");
    }
    return a;
  }
}
