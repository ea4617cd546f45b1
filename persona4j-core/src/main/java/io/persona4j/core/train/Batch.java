/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Examples collated into right-padded {@code [B, T]} host arrays, {@code T} the longest example.
 *
 * <p>For language modeling the labels are shifted here: {@code targets[b, i] = labels[b, i + 1]},
 * the token that the logits at position {@code i} must predict, with {@code weights[b, i] = 1} for
 * positions that count and 0 for prompt tokens, padding and the last position (their target is set
 * to 0, a valid id that the weight cancels).
 *
 * <p>A batch also keeps the {@link Example} objects it was collated from, in row order ({@link
 * #examples()}): an objective that needs side information per example (for instance the item
 * placeholders of a recommendation prompt) looks it up by example identity.
 */
public final class Batch {
  private final int size;
  private final int length;
  private final long[] ids;
  private final long[] attention;
  private final long[] targets;
  private final float[] weights;
  private final long[] classLabels;
  private final int targetCount;
  private final long tokenCount;
  private final List<Example> examples;

  private Batch(
      int size,
      int length,
      long[] ids,
      long[] attention,
      long[] targets,
      float[] weights,
      long[] classLabels,
      int targetCount,
      long tokenCount,
      List<Example> examples) {
    this.size = size;
    this.length = length;
    this.ids = ids;
    this.attention = attention;
    this.targets = targets;
    this.weights = weights;
    this.classLabels = classLabels;
    this.targetCount = targetCount;
    this.tokenCount = tokenCount;
    this.examples = examples;
  }

  /**
   * Collates {@code examples}, padding with {@code padId}.
   *
   * @throws IllegalArgumentException if the list is empty or mixes classification and language
   *     modeling examples
   */
  public static Batch of(List<Example> examples, long padId) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    if (padId < 0) {
      throw new IllegalArgumentException("padding id must be >= 0, got " + padId);
    }
    boolean classification = examples.get(0).isClassification();
    int b = examples.size();
    int t = 0;
    for (Example e : examples) {
      if (e.isClassification() != classification) {
        throw new IllegalArgumentException(
            "a batch cannot mix classification and language-modeling examples");
      }
      t = Math.max(t, e.length());
    }
    long[] ids = new long[b * t];
    long[] attention = new long[b * t];
    long[] targets = classification ? null : new long[b * t];
    float[] weights = classification ? null : new float[b * t];
    long[] classes = classification ? new long[b] : null;
    int count = 0;
    long tokens = 0;
    for (int r = 0; r < b; r++) {
      Example e = examples.get(r);
      long[] x = e.ids();
      tokens += x.length;
      for (int c = 0; c < t; c++) {
        boolean real = c < x.length;
        ids[r * t + c] = real ? x[c] : padId;
        attention[r * t + c] = real ? 1 : 0;
      }
      if (classification) {
        classes[r] = e.classLabel();
        count++;
      } else {
        long[] labels = e.labels();
        for (int c = 0; c + 1 < x.length; c++) {
          long next = labels[c + 1];
          if (next != Example.IGNORE) {
            targets[r * t + c] = next;
            weights[r * t + c] = 1f;
            count++;
          }
        }
      }
    }
    return new Batch(
        b, t, ids, attention, targets, weights, classes, count, tokens, List.copyOf(examples));
  }

  /** Number of examples B. */
  public int size() {
    return size;
  }

  /**
   * The examples of the rows, in row order: the same objects that were passed to {@link #of} (not
   * copies), so callers may key side information on their identity.
   */
  public List<Example> examples() {
    return examples;
  }

  /** Padded length T. */
  public int length() {
    return length;
  }

  public boolean isClassification() {
    return classLabels != null;
  }

  /**
   * What the loss is averaged over: predicted tokens for language modeling, examples for
   * classification.
   */
  public int targetCount() {
    return targetCount;
  }

  /** Real (non-padding) tokens. */
  public long tokenCount() {
    return tokenCount;
  }

  /** {@code [B, T]} int64 token ids, padding included. */
  public NDArray ids(NDManager m) {
    return m.create(ids, new Shape(size, length));
  }

  /** {@code [B, T]} int64, 1 for real tokens and 0 for padding. */
  public NDArray attentionMask(NDManager m) {
    return m.create(attention, new Shape(size, length));
  }

  /** {@code [B, T]} int64 next-token targets (language modeling only). */
  public NDArray targets(NDManager m) {
    requireLm();
    return m.create(targets, new Shape(size, length));
  }

  /** {@code [B, T]} float32 loss weights, 1 where a target counts (language modeling only). */
  public NDArray weights(NDManager m) {
    requireLm();
    return m.create(weights, new Shape(size, length));
  }

  /** {@code [B]} int64 classes (classification only). */
  public NDArray classLabels(NDManager m) {
    if (classLabels == null) {
      throw new IllegalStateException("not a classification batch");
    }
    return m.create(classLabels, new Shape(size));
  }

  private void requireLm() {
    if (targets == null) {
      throw new IllegalStateException("not a language-modeling batch");
    }
  }
}
