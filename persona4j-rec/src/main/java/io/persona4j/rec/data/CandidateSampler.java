/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Candidate sets for the LLaRA protocol: the target plus {@code negatives} distinct items drawn
 * uniformly from the items that have a non-empty title, are not the target and are not excluded
 * (see {@link Exclusion}), shuffled.
 *
 * <p>The draw for an example depends only on the seed and the example (user, history, target), not
 * on which other examples were sampled before, so {@link #attach(List)} and one-by-one calls to
 * {@link #candidates(SeqExample)} agree, in any order.
 */
public final class CandidateSampler {
  /** LLaRA's 19 negatives (20 candidates). */
  public static final int DEFAULT_NEGATIVES = 19;

  /** Which items a candidate set must avoid besides the target. */
  public enum Exclusion {
    /** The example's history, i.e. the items shown in the prompt (as in LLaRA). */
    HISTORY,
    /** Every item of the user's whole sequence, past or future. */
    ALL_INTERACTED
  }

  private final InteractionDataset dataset;
  private final int negatives;
  private final long seed;
  private final Exclusion exclusion;
  private final int[] eligible;
  private final BitSet eligibleSet = new BitSet();

  /** {@link Exclusion#HISTORY}, {@code negatives} negatives, seeded. */
  public CandidateSampler(InteractionDataset dataset, int negatives, long seed) {
    this(dataset, negatives, seed, Exclusion.HISTORY);
  }

  public CandidateSampler(
      InteractionDataset dataset, int negatives, long seed, Exclusion exclusion) {
    this.dataset = Objects.requireNonNull(dataset, "dataset");
    this.exclusion = Objects.requireNonNull(exclusion, "exclusion");
    if (negatives < 1) {
      throw new IllegalArgumentException("negatives must be >= 1, got " + negatives);
    }
    this.negatives = negatives;
    this.seed = seed;
    int[] pool = new int[dataset.numItems()];
    int n = 0;
    for (int i = 1; i <= dataset.numItems(); i++) {
      if (!dataset.title(i).isBlank()) {
        pool[n++] = i;
        eligibleSet.set(i);
      }
    }
    this.eligible = Arrays.copyOf(pool, n);
  }

  public int negatives() {
    return negatives;
  }

  public long seed() {
    return seed;
  }

  public Exclusion exclusion() {
    return exclusion;
  }

  /**
   * The shuffled candidate set of {@code example}: {@code negatives() + 1} distinct items.
   *
   * @throws IllegalArgumentException if the target has no title, or fewer than {@code negatives}
   *     items are available
   */
  public int[] candidates(SeqExample example) {
    int target = example.target();
    if (target > dataset.numItems() || !eligibleSet.get(target)) {
      throw new IllegalArgumentException(
          "target "
              + target
              + " is not an item with a title (numItems "
              + dataset.numItems()
              + ")");
    }
    BitSet taken = new BitSet(dataset.numItems() + 1);
    taken.set(target);
    if (exclusion == Exclusion.HISTORY) {
      for (int i = 0; i < example.historyLength(); i++) {
        taken.set(example.historyItem(i));
      }
    } else {
      for (int item : dataset.sequence(example.user())) {
        taken.set(item);
      }
    }
    BitSet blocked = (BitSet) taken.clone();
    blocked.and(eligibleSet);
    int available = eligible.length - blocked.cardinality();
    if (available < negatives) {
      throw new IllegalArgumentException(
          "only "
              + available
              + " items are available as negatives for "
              + example
              + ", need negatives = "
              + negatives);
    }
    SplittableRandom rng = new SplittableRandom(exampleSeed(example));
    int[] out = new int[negatives + 1];
    out[0] = target;
    if (2L * available >= eligible.length) {
      // Rejection sampling: each draw succeeds with probability >= 1/2.
      for (int k = 1; k <= negatives; ) {
        int item = eligible[rng.nextInt(eligible.length)];
        if (!taken.get(item)) {
          taken.set(item);
          out[k++] = item;
        }
      }
    } else {
      int[] free = new int[available];
      int m = 0;
      for (int item : eligible) {
        if (!taken.get(item)) {
          free[m++] = item;
        }
      }
      for (int k = 0; k < negatives; k++) { // partial Fisher-Yates
        int j = k + rng.nextInt(m - k);
        int t = free[k];
        free[k] = free[j];
        free[j] = t;
        out[k + 1] = free[k];
      }
    }
    for (int i = out.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /** {@code examples} with their candidate sets, in the same order. */
  public List<CandidateExample> attach(List<SeqExample> examples) {
    List<CandidateExample> out = new ArrayList<>(examples.size());
    for (SeqExample e : examples) {
      out.add(new CandidateExample(e, candidates(e)));
    }
    return out;
  }

  private long exampleSeed(SeqExample e) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    h = mix(h ^ e.user());
    h = mix(h ^ e.target());
    for (int i = 0; i < e.historyLength(); i++) {
      h = mix(h ^ e.historyItem(i));
    }
    return h;
  }

  /** SplitMix64's finalizer (a bijection on longs with good avalanche). */
  private static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
