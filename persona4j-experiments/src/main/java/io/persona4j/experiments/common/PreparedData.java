/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.CandidateSampler;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.SeqExample;
import io.persona4j.rec.data.SequentialSplit;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.RecSample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A data set made ready for an experiment: the LLaRA split (history of at most 10, leave-last-out
 * test, second-to-last validation), restricted to a seeded sample of users if asked, with fixed
 * 20-item candidate sets (seeded, shared by every method and seed of a run) for validation and
 * test, and a subset of the training positions (the most recent ones of each user) for the LLM
 * fine-tuning, whose cost grows with every example.
 *
 * @param trainAll every training example of the kept users (SASRec and popularity use them all)
 * @param trainLlm the training examples of the LLM recommenders, with candidates
 * @param trainPretrain older training examples (before those of {@code trainLlm}), with candidates,
 *     whose text-only prompts join the base model's pre-training corpus
 * @param valid one validation example per kept user, with candidates
 * @param test one test example per kept user, with candidates
 * @param users the kept dense user indices
 */
public record PreparedData(
    InteractionDataset dataset,
    List<SeqExample> trainAll,
    List<CandidateExample> trainLlm,
    List<CandidateExample> trainPretrain,
    List<CandidateExample> valid,
    List<CandidateExample> test,
    int[] users) {

  /** The seed of the user sample and the candidate sets of every experiment. */
  public static final long SEED = 42;

  /**
   * Loads the data set in {@code dir} (any layout {@link InteractionDataset#load} detects), logs
   * its summary and prepares the users and positions of {@code selection} with {@link #SEED}.
   */
  public static PreparedData load(Path dir, DataSelection selection, Consumer<String> log)
      throws IOException {
    InteractionDataset ds = InteractionDataset.load(dir);
    log.accept("data: " + ds.summary());
    return of(
        ds,
        selection.maxUsers(),
        selection.llmTrainPerUser(),
        selection.pretrainPromptsPerUser(),
        SEED);
  }

  /**
   * @param maxUsers keep a seeded random sample of this many users (0: all)
   * @param llmTrainPerUser most recent training positions per user for the LLM (0: all)
   * @param seed seed of the user sample and the candidate sets
   */
  public static PreparedData of(
      InteractionDataset dataset, int maxUsers, int llmTrainPerUser, long seed) {
    return of(dataset, maxUsers, llmTrainPerUser, 0, seed);
  }

  /**
   * @param pretrainPerUser training positions per user before the LLM ones, for the pre-training
   *     corpus
   */
  public static PreparedData of(
      InteractionDataset dataset,
      int maxUsers,
      int llmTrainPerUser,
      int pretrainPerUser,
      long seed) {
    SequentialSplit split = SequentialSplit.of(dataset);
    BitSet kept = new BitSet();
    List<Integer> all = new ArrayList<>();
    split.test().forEach(e -> all.add(e.user()));
    if (maxUsers > 0 && maxUsers < all.size()) {
      SplittableRandom r = new SplittableRandom(seed);
      for (int i = all.size() - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        Integer t = all.get(i);
        all.set(i, all.get(j));
        all.set(j, t);
      }
      all.subList(maxUsers, all.size()).clear();
    }
    all.forEach(kept::set);
    List<SeqExample> train = split.train().stream().filter(e -> kept.get(e.user())).toList();
    CandidateSampler sampler =
        new CandidateSampler(dataset, CandidateSampler.DEFAULT_NEGATIVES, seed);
    List<SeqExample> llm = new ArrayList<>();
    List<SeqExample> pre = new ArrayList<>();
    int[] perUser = new int[dataset.numUsers()];
    // split.train() lists each user's positions oldest first: walk backwards to take the newest.
    for (int i = train.size() - 1; i >= 0; i--) {
      SeqExample e = train.get(i);
      int n = perUser[e.user()]++;
      if (llmTrainPerUser == 0 || n < llmTrainPerUser) {
        llm.add(e);
      } else if (n < llmTrainPerUser + pretrainPerUser) {
        pre.add(e);
      }
    }
    Collections.reverse(llm);
    Collections.reverse(pre);
    return new PreparedData(
        dataset,
        train,
        sampler.attach(llm),
        new CandidateSampler(dataset, CandidateSampler.DEFAULT_NEGATIVES, seed + 1).attach(pre),
        sampler.attach(split.valid().stream().filter(e -> kept.get(e.user())).toList()),
        sampler.attach(split.test().stream().filter(e -> kept.get(e.user())).toList()),
        kept.stream().toArray());
  }

  /** The chronological training sequence of each kept user (all but the last two items). */
  public int[][] trainSequences() {
    int[][] out = new int[users.length][];
    for (int i = 0; i < users.length; i++) {
      int[] s = dataset.sequence(users[i]);
      out[i] = Arrays.copyOf(s, s.length - 2);
    }
    return out;
  }

  /** The catalog of titles, item {@code i} = dense item {@code i}. */
  public ItemCatalog catalog() {
    List<String> titles = new ArrayList<>(dataset.numItems());
    for (int i = 1; i <= dataset.numItems(); i++) {
      String t = dataset.title(i);
      titles.add(t == null || t.isBlank() ? "item " + dataset.itemId(i) : t);
    }
    return ItemCatalog.of(titles);
  }

  /** Examples with candidates as LLaRA samples. */
  public static List<RecSample> samples(List<CandidateExample> examples) {
    List<RecSample> out = new ArrayList<>(examples.size());
    for (CandidateExample c : examples) {
      SeqExample e = c.example();
      out.add(new RecSample(e.user(), e.history(), c.candidates(), e.target()));
    }
    return out;
  }

  /**
   * Every item the user interacted with before {@code e}'s target (the full-ranking exclusion, as
   * SASRec's evaluation does; sequences hold each item once).
   */
  public int[] itemsBefore(SeqExample e) {
    int[] s = dataset.sequence(e.user());
    for (int i = 0; i < s.length; i++) {
      if (s[i] == e.target()) {
        return Arrays.copyOf(s, i);
      }
    }
    throw new IllegalArgumentException("target " + e.target() + " not in user " + e.user());
  }
}
