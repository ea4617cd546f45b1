/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Text metrics of the experiment: word-level ROUGE-L F1, set F1, normalization. */
public final class TextMetrics {
  private TextMetrics() {}

  /** Lower case, punctuation kept inside words, runs of white space as one space, trimmed. */
  public static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
  }

  /** Lower-cased words: runs of letters and digits. */
  public static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    for (String w : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  /** Number of white-space separated words. */
  public static int wordCount(String s) {
    String t = s.strip();
    return t.isEmpty() ? 0 : t.split("\\s+").length;
  }

  /**
   * ROUGE-L F1 (beta = 1) over {@link #words}: the longest common subsequence against the lengths
   * of both texts; 0 when either is empty.
   */
  public static double rougeL(String candidate, String reference) {
    List<String> c = words(candidate);
    List<String> r = words(reference);
    if (c.isEmpty() || r.isEmpty()) {
      return 0;
    }
    int[][] dp = new int[c.size() + 1][r.size() + 1];
    for (int i = 1; i <= c.size(); i++) {
      for (int j = 1; j <= r.size(); j++) {
        dp[i][j] =
            c.get(i - 1).equals(r.get(j - 1))
                ? dp[i - 1][j - 1] + 1
                : Math.max(dp[i - 1][j], dp[i][j - 1]);
      }
    }
    double lcs = dp[c.size()][r.size()];
    if (lcs == 0) {
      return 0;
    }
    double p = lcs / c.size();
    double rec = lcs / r.size();
    return 2 * p * rec / (p + rec);
  }

  /** {@link #words} as ids of {@code vocabulary}; unknown words get -1 (they match nothing). */
  public static int[] wordIds(String s, Map<String, Integer> vocabulary) {
    List<String> w = words(s);
    int[] out = new int[w.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = vocabulary.getOrDefault(w.get(i), -1);
    }
    return out;
  }

  /** ROUGE-L F1 of two word-id sequences (-1 never matches). */
  public static double rougeL(int[] c, int[] r) {
    if (c.length == 0 || r.length == 0) {
      return 0;
    }
    int[] prev = new int[r.length + 1];
    int[] cur = new int[r.length + 1];
    for (int i = 1; i <= c.length; i++) {
      for (int j = 1; j <= r.length; j++) {
        cur[j] =
            c[i - 1] >= 0 && c[i - 1] == r[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    double lcs = prev[r.length];
    if (lcs == 0) {
      return 0;
    }
    double p = lcs / c.length;
    double rec = lcs / r.length;
    return 2 * p * rec / (p + rec);
  }

  /** F1 of two sets; 0 when either is empty. */
  public static double setF1(Collection<String> predicted, Collection<String> truth) {
    Set<String> p = new HashSet<>(predicted);
    Set<String> t = new HashSet<>(truth);
    if (p.isEmpty() || t.isEmpty()) {
      return 0;
    }
    Set<String> both = new HashSet<>(p);
    both.retainAll(t);
    if (both.isEmpty()) {
      return 0;
    }
    double prec = both.size() / (double) p.size();
    double rec = both.size() / (double) t.size();
    return 2 * prec * rec / (prec + rec);
  }
}
