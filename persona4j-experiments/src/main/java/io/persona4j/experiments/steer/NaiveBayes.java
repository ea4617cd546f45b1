/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Multinomial naive Bayes over words with add-one smoothing: the experiment's sentiment judge,
 * trained on the review training set and scored on its test set.
 */
public final class NaiveBayes {
  private final List<String> labels;
  private final double[] logPrior;
  private final List<Map<String, Integer>> counts;
  private final long[] totals;
  private final int vocabulary;

  private NaiveBayes(
      List<String> labels,
      double[] logPrior,
      List<Map<String, Integer>> counts,
      long[] totals,
      int vocabulary) {
    this.labels = labels;
    this.logPrior = logPrior;
    this.counts = counts;
    this.totals = totals;
    this.vocabulary = vocabulary;
  }

  /**
   * @param texts training texts
   * @param y their labels, indices into {@code labels}
   */
  public static NaiveBayes train(List<String> labels, List<String> texts, List<Integer> y) {
    if (texts.size() != y.size() || texts.isEmpty()) {
      throw new IllegalArgumentException(texts.size() + " texts and " + y.size() + " labels");
    }
    int k = labels.size();
    double[] prior = new double[k];
    long[] totals = new long[k];
    List<Map<String, Integer>> counts = new java.util.ArrayList<>();
    for (int c = 0; c < k; c++) {
      counts.add(new HashMap<>());
    }
    java.util.Set<String> vocab = new java.util.HashSet<>();
    for (int i = 0; i < texts.size(); i++) {
      int c = y.get(i);
      prior[c]++;
      for (String w : TextMetrics.words(texts.get(i))) {
        counts.get(c).merge(w, 1, Integer::sum);
        totals[c]++;
        vocab.add(w);
      }
    }
    for (int c = 0; c < k; c++) {
      prior[c] = Math.log((prior[c] + 1) / (texts.size() + k));
    }
    return new NaiveBayes(List.copyOf(labels), prior, counts, totals, vocab.size());
  }

  /** The most likely label index of {@code text}. */
  public int predict(String text) {
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    List<String> words = TextMetrics.words(text);
    for (int c = 0; c < labels.size(); c++) {
      double s = logPrior[c];
      double denom = Math.log(totals[c] + vocabulary + 1.0);
      for (String w : words) {
        s += Math.log(counts.get(c).getOrDefault(w, 0) + 1.0) - denom;
      }
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  /** Share of {@code texts} predicted as their label. */
  public double accuracy(List<String> texts, List<Integer> y) {
    int ok = 0;
    for (int i = 0; i < texts.size(); i++) {
      ok += predict(texts.get(i)) == y.get(i) ? 1 : 0;
    }
    return texts.isEmpty() ? 0 : ok / (double) texts.size();
  }

  public List<String> labels() {
    return labels;
  }
}
