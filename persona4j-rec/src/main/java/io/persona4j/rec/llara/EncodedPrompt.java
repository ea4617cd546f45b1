/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import io.persona4j.core.train.Example;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tokenized LLaRA prompt (with its answer, for training).
 *
 * @param sample what was encoded
 * @param mode text-only or hybrid
 * @param ids token ids: BOS (if the tokenizer adds one), the prompt, then for training the answer
 * @param labels {@link Example}-style labels ({@link Example#IGNORE} on the prompt, the token on
 *     the answer), or null for a prompt without its answer
 * @param promptLength number of prompt tokens (the answer starts there)
 * @param historyKept how many of the most recent history items the prompt shows (the older ones
 *     were truncated to fit the maximum length)
 * @param placeholderPositions indices into {@code ids} of the placeholder tokens (hybrid mode;
 *     empty in text mode), ascending
 * @param placeholderItems the item each placeholder stands for, same order
 */
public record EncodedPrompt(
    RecSample sample,
    PromptMode mode,
    long[] ids,
    long[] labels,
    int promptLength,
    int historyKept,
    int[] placeholderPositions,
    int[] placeholderItems) {
  public EncodedPrompt {
    Objects.requireNonNull(sample, "sample");
    Objects.requireNonNull(mode, "mode");
    ids = ids.clone();
    labels = labels == null ? null : labels.clone();
    placeholderPositions = placeholderPositions.clone();
    placeholderItems = placeholderItems.clone();
    if (labels != null && labels.length != ids.length) {
      throw new IllegalArgumentException(labels.length + " labels for " + ids.length + " ids");
    }
    if (promptLength < 1 || promptLength > ids.length) {
      throw new IllegalArgumentException(
          "prompt length " + promptLength + " outside 1.." + ids.length);
    }
    if (placeholderPositions.length != placeholderItems.length) {
      throw new IllegalArgumentException(
          placeholderPositions.length
              + " placeholder positions for "
              + placeholderItems.length
              + " items");
    }
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
  public int[] placeholderPositions() {
    return placeholderPositions.clone();
  }

  @Override
  public int[] placeholderItems() {
    return placeholderItems.clone();
  }

  /** Number of tokens. */
  public int length() {
    return ids.length;
  }

  /** The training example (ids and labels). */
  public Example toExample() {
    if (labels == null) {
      throw new IllegalStateException("a prompt without its answer is not a training example");
    }
    return new Example(ids, labels, Example.NO_CLASS);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedPrompt e
        && sample.equals(e.sample)
        && mode == e.mode
        && promptLength == e.promptLength
        && historyKept == e.historyKept
        && Arrays.equals(ids, e.ids)
        && Arrays.equals(labels, e.labels)
        && Arrays.equals(placeholderPositions, e.placeholderPositions)
        && Arrays.equals(placeholderItems, e.placeholderItems);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sample, mode, Arrays.hashCode(ids), promptLength, historyKept);
  }

  @Override
  public String toString() {
    return "EncodedPrompt["
        + mode
        + ", "
        + ids.length
        + " tokens, prompt "
        + promptLength
        + ", history kept "
        + historyKept
        + ", "
        + placeholderPositions.length
        + " placeholders]";
  }
}
