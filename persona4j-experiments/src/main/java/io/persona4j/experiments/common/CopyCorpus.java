/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import io.persona4j.core.train.Pretraining;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.PromptMode;
import io.persona4j.rec.llara.RecSample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The copying part of the base model's pre-training corpus: LLaRA-format prompts whose answer is
 * one of the listed candidate titles, copied verbatim, so that a small model learns the in-context
 * skill LLaRA's protocol assumes of a general LLM (answer with one title from the prompt, then
 * stop).
 *
 * <p>What the answer is matters. It is a candidate drawn <b>uniformly at random</b>, not the user's
 * next item: the base model learns to copy a listed title, but nothing about which one to choose,
 * so the recommendation itself is left to the LoRA / iLoRA fine-tuning (as it would be on a general
 * pre-trained LLM) and the base model has not pre-decided it. Only training data are read: each
 * history is a window of at most {@link #HISTORY} items of the user's training sequence (all but
 * the validation and test items), and candidates are drawn among the titled items outside the
 * user's whole sequence, so no validation or test item of that user appears in their prompts.
 *
 * <p>Prompts are written half in text mode (titles only) and half with LLaRA's placeholder tokens
 * after each title (as the hybrid prompts the fine-tuning and evaluation use show them), so the
 * model learns to copy a title and end the answer before the placeholder either way. The number of
 * candidates varies between {@code minCandidates} and 20 (shorter prompts are a cheaper, easier
 * start; the prompt states the count).
 */
public final class CopyCorpus {
  /** LLaRA's history length. */
  public static final int HISTORY = 10;

  /** LLaRA's candidate count. */
  public static final int CANDIDATES = 20;

  private CopyCorpus() {}

  /**
   * {@code perUser} copy samples per kept user of {@code data} (users whose training sequence has
   * fewer than 2 items are left out), seeded: each a history window of the training sequence,
   * {@code minCandidates..20} candidates outside the user's sequence, and a target drawn among the
   * candidates.
   */
  public static List<RecSample> samples(
      PreparedData data, int perUser, int minCandidates, long seed) {
    if (perUser < 1) {
      throw new IllegalArgumentException("perUser must be >= 1, got " + perUser);
    }
    if (minCandidates < 2 || minCandidates > CANDIDATES) {
      throw new IllegalArgumentException(
          "minCandidates must be in 2.." + CANDIDATES + ", got " + minCandidates);
    }
    InteractionDataset ds = data.dataset();
    int[] pool = titledItems(ds);
    int[][] train = data.trainSequences();
    SplittableRandom rng = new SplittableRandom(seed);
    List<RecSample> out = new ArrayList<>(train.length * perUser);
    for (int u = 0; u < train.length; u++) {
      int user = data.users()[u];
      int[] seq = train[u];
      if (seq.length < 2) {
        continue;
      }
      BitSet seen = new BitSet();
      for (int item : ds.sequence(user)) {
        seen.set(item);
      }
      for (int k = 0; k < perUser; k++) {
        // target position p in 1..n-1: the history is the window before it
        int p = 1 + rng.nextInt(seq.length - 1);
        int[] history = Arrays.copyOfRange(seq, Math.max(0, p - HISTORY), p);
        int count = minCandidates + rng.nextInt(CANDIDATES - minCandidates + 1);
        int[] cans = draw(pool, seen, count, rng);
        out.add(new RecSample(user, history, cans, cans[rng.nextInt(count)]));
      }
    }
    return out;
  }

  /**
   * The samples as context + completion documents: LLaRA's prompt (text mode for even indices,
   * titles followed by the placeholder tokens for odd ones) and the answer {@code " " + title} (the
   * pre-training appends EOS).
   */
  public static List<Pretraining.Document> documents(
      List<RecSample> samples, ItemCatalog catalog, int maxLength) throws IOException {
    return HistoryCorpus.withPromptWriter(
        catalog,
        LlaraPromptConfig.movies(maxLength),
        prompt -> {
          List<Pretraining.Document> docs = new ArrayList<>(samples.size());
          for (int i = 0; i < samples.size(); i++) {
            RecSample s = samples.get(i);
            PromptMode mode = i % 2 == 0 ? PromptMode.TEXT : PromptMode.HYBRID;
            docs.add(new Pretraining.Document(prompt.text(s, mode), prompt.answer(s.target())));
          }
          return docs;
        });
  }

  /** Items with a title, ascending. */
  static int[] titledItems(InteractionDataset ds) {
    return java.util.stream.IntStream.rangeClosed(1, ds.numItems())
        .filter(i -> !ds.title(i).isBlank())
        .toArray();
  }

  private static int[] draw(int[] pool, BitSet excluded, int count, SplittableRandom rng) {
    BitSet taken = new BitSet();
    int[] out = new int[count];
    int n = 0;
    int tries = 0;
    while (n < count) {
      if (++tries > 1000 * count) {
        throw new IllegalStateException(
            "cannot draw " + count + " candidates outside the user's sequence from " + pool.length);
      }
      int item = pool[rng.nextInt(pool.length)];
      if (!excluded.get(item) && !taken.get(item)) {
        taken.set(item);
        out[n++] = item;
      }
    }
    return out;
  }
}
