/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Beam search over a {@link CandidateTrie}, as generative recommenders (LC-Rec, TIGER) decode item
 * identifiers: the beam holds at most {@code width} hypotheses (trie nodes with the summed
 * log-probability of the tokens leading there); each step extends every unfinished hypothesis by
 * every token the trie allows, carries finished ones (those that reached EOS) over unchanged, and
 * keeps the {@code width} best; it stops when every hypothesis in the beam is finished, and the
 * best finished one is the answer.
 *
 * <p>Scores are raw log-probabilities of the unconstrained model (disallowed tokens are masked
 * after the log-softmax, as Hugging Face's {@code prefix_allowed_tokens_fn} does, so allowed tokens
 * are not renormalized) and are not length-normalized. Hence width 1 is greedy constrained decoding
 * ({@link ConstrainedEvaluator}), and a width of at least the number of candidates never prunes
 * anything (the beam's hypotheses cover disjoint sets of candidates), so it returns the candidate
 * of highest total log-probability: the likelihood protocol's argmax. Ties are broken towards the
 * earlier candidate, as {@link LikelihoodRanker} does.
 *
 * <p>The search reads the log-probability of each trie edge from per-candidate token
 * log-probabilities (candidates sharing a prefix share its edges' values; the first candidate's are
 * used), which a teacher-forced pass over all candidates computes at once ({@link
 * LikelihoodRanker#tokenLogProbs}); this gives exactly the beam that step-by-step decoding with the
 * same log-probabilities gives, at the cost of one pass whatever the width.
 */
public final class TrieBeamSearch {
  /**
   * The search's answer.
   *
   * @param candidate index of the chosen candidate (the first of those sharing its leaf)
   * @param score its summed log-probability
   */
  public record Result(int candidate, double score) {}

  private record Hypothesis(int node, double score, int firstCandidate, boolean finished) {}

  private TrieBeamSearch() {}

  /**
   * Searches {@code trie} (built from {@code answers}) with {@code width} hypotheses.
   *
   * @param answers per candidate its answer tokens (EOS last), as the trie was built
   * @param tokenLogProbs per candidate the log-probability of each of its answer tokens
   * @throws IllegalArgumentException if the shapes do not match the answers, an answer leaves the
   *     trie, or the width is below 1
   */
  public static Result search(
      CandidateTrie trie, List<long[]> answers, double[][] tokenLogProbs, int width) {
    if (width < 1) {
      throw new IllegalArgumentException("beam width must be >= 1, got " + width);
    }
    if (tokenLogProbs.length != answers.size()) {
      throw new IllegalArgumentException(
          tokenLogProbs.length + " log-probability rows for " + answers.size() + " candidates");
    }
    double[] edge = new double[trie.nodes()];
    Arrays.fill(edge, Double.NaN);
    int[] first = new int[trie.nodes()];
    Arrays.fill(first, Integer.MAX_VALUE);
    first[CandidateTrie.ROOT] = 0;
    for (int c = 0; c < answers.size(); c++) {
      long[] a = answers.get(c);
      if (tokenLogProbs[c].length != a.length) {
        throw new IllegalArgumentException(
            "candidate "
                + c
                + ": "
                + tokenLogProbs[c].length
                + " log-probabilities, "
                + a.length
                + " tokens");
      }
      int node = CandidateTrie.ROOT;
      for (int j = 0; j < a.length; j++) {
        node = trie.next(node, a[j]);
        if (node < 0) {
          throw new IllegalArgumentException("candidate " + c + " leaves the trie at token " + j);
        }
        if (Double.isNaN(edge[node])) {
          edge[node] = tokenLogProbs[c][j];
        }
        first[node] = Math.min(first[node], c);
      }
    }
    Comparator<Hypothesis> order =
        Comparator.comparingDouble(Hypothesis::score)
            .reversed()
            .thenComparingInt(Hypothesis::firstCandidate);
    List<Hypothesis> beam = List.of(new Hypothesis(CandidateTrie.ROOT, 0, 0, false));
    while (beam.stream().anyMatch(h -> !h.finished())) {
      List<Hypothesis> next = new ArrayList<>();
      for (Hypothesis h : beam) {
        if (h.finished()) {
          next.add(h);
          continue;
        }
        for (long token : trie.allowed(h.node())) {
          int n = trie.next(h.node(), token);
          next.add(new Hypothesis(n, h.score() + edge[n], first[n], trie.allowed(n).length == 0));
        }
      }
      next.sort(order);
      beam = next.subList(0, Math.min(width, next.size()));
    }
    Hypothesis best = beam.get(0);
    return new Result(trie.candidates(best.node()).get(0), best.score());
  }
}
