/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import java.util.Arrays;

/**
 * One tokenized training example.
 *
 * <p>For language modeling, {@code labels} follows Hugging Face: {@code labels[i]} is the token the
 * model should predict at position {@code i} from {@code ids[0..i-1]} (the shift happens in the
 * loss), or {@link #IGNORE} where nothing is learned (prompt tokens). {@code labels[0]} is never
 * used. For sequence classification, {@code labels} is null and {@code classLabel} is the class.
 *
 * @param ids token ids, at least one
 * @param labels same length as {@code ids}, or null for classification examples
 * @param classLabel the class (>= 0) of a classification example, {@link #NO_CLASS} otherwise
 */
public record Example(long[] ids, long[] labels, int classLabel) {
  /** Label of a position that does not contribute to the loss (as PyTorch's ignore_index). */
  public static final long IGNORE = -100;

  /** Class label of a language-modeling example. */
  public static final int NO_CLASS = -1;

  public Example {
    if (ids == null || ids.length == 0) {
      throw new IllegalArgumentException("an example needs at least one token");
    }
    for (long id : ids) {
      if (id < 0) {
        throw new IllegalArgumentException("negative token id " + id);
      }
    }
    ids = ids.clone();
    if (labels != null) {
      if (labels.length != ids.length) {
        throw new IllegalArgumentException(
            labels.length + " labels for " + ids.length + " tokens: they must match");
      }
      for (long l : labels) {
        if (l < 0 && l != IGNORE) {
          throw new IllegalArgumentException("label " + l + " is neither a token id nor IGNORE");
        }
      }
      labels = labels.clone();
      if (classLabel != NO_CLASS) {
        throw new IllegalArgumentException("an example has token labels or a class, not both");
      }
    } else if (classLabel < 0) {
      throw new IllegalArgumentException(
          "a classification example needs a class >= 0, got " + classLabel);
    }
  }

  /** Language modeling on every token ({@code labels = ids}). */
  public static Example text(long[] ids) {
    return new Example(ids, ids, NO_CLASS);
  }

  /**
   * Prompt then completion; only completion tokens are learned.
   *
   * @throws IllegalArgumentException if the completion is empty
   */
  public static Example completion(long[] prompt, long[] completion) {
    if (completion.length == 0) {
      throw new IllegalArgumentException("empty completion: nothing to learn");
    }
    long[] ids = new long[prompt.length + completion.length];
    System.arraycopy(prompt, 0, ids, 0, prompt.length);
    System.arraycopy(completion, 0, ids, prompt.length, completion.length);
    long[] labels = ids.clone();
    Arrays.fill(labels, 0, prompt.length, IGNORE);
    return new Example(ids, labels, NO_CLASS);
  }

  /** A sequence labelled with class {@code label}. */
  public static Example classification(long[] ids, int label) {
    return new Example(ids, null, label);
  }

  public boolean isClassification() {
    return labels == null;
  }

  public int length() {
    return ids.length;
  }

  /** Number of positions that contribute to a language-modeling loss (labels at index >= 1). */
  public int targetCount() {
    if (labels == null) {
      return 0;
    }
    int n = 0;
    for (int i = 1; i < labels.length; i++) {
      if (labels[i] != IGNORE) {
        n++;
      }
    }
    return n;
  }

  @Override
  public long[] ids() {
    return ids.clone();
  }

  @Override
  public long[] labels() {
    return labels == null ? null : labels.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Example e
        && Arrays.equals(ids, e.ids)
        && Arrays.equals(labels, e.labels)
        && classLabel == e.classLabel;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(labels)) + classLabel;
  }

  @Override
  public String toString() {
    return "Example["
        + ids.length
        + " tokens, "
        + (labels == null ? "class " + classLabel : targetCount() + " targets")
        + "]";
  }
}
