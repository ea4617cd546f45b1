/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small, deterministic byte-level BPE trainer (the algorithm of GPT-2 and of Hugging Face's
 * {@code BpeTrainer}).
 *
 * <p>Texts are split with the GPT-2 pre-tokenization regex (what the {@code ByteLevel}
 * pre-tokenizer does at encode time), every piece becomes a word of byte symbols, and the most
 * frequent adjacent pair (counted over all occurrences, weighted by word frequency) is merged until
 * the requested number of new tokens exists or no pair is left. Ties go to the lexicographically
 * smallest pair (left symbol first, then right symbol), so the same texts always give the same
 * merges.
 */
final class ByteLevelBpeTrainer {
  /** GPT-2's pre-tokenization regex, as applied by the {@code ByteLevel} pre-tokenizer. */
  static final Pattern GPT2_SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  /**
   * What training learned.
   *
   * @param newTokens the merged tokens in id order (they follow the 256 byte tokens)
   * @param merges the merge rules in rank order, each {@code "left right"}
   */
  record Result(List<String> newTokens, List<String> merges) {}

  private record Candidate(long count, String left, String right, long key) {}

  private static final Comparator<Candidate> BEST_FIRST =
      Comparator.comparingLong(Candidate::count)
          .reversed()
          .thenComparing(Candidate::left)
          .thenComparing(Candidate::right);

  private final List<String> symbols = new ArrayList<>();
  private final Map<String, Integer> symbolIds = new HashMap<>();
  private final List<int[]> words = new ArrayList<>();
  private final List<Long> wordCounts = new ArrayList<>();
  private final Map<Long, Long> pairCounts = new HashMap<>();
  private final Map<Long, Set<Integer>> pairWords = new HashMap<>();
  private final PriorityQueue<Candidate> queue = new PriorityQueue<>(BEST_FIRST);

  private ByteLevelBpeTrainer() {
    for (int b = 0; b < 256; b++) {
      String s = String.valueOf(ByteLevelAlphabet.symbol(b));
      symbolIds.put(s, symbols.size());
      symbols.add(s);
    }
  }

  /**
   * Learns at most {@code maxNewTokens} merged tokens from {@code texts}.
   *
   * @return fewer tokens than asked for when the texts run out of pairs
   */
  static Result train(List<String> texts, int maxNewTokens) {
    ByteLevelBpeTrainer t = new ByteLevelBpeTrainer();
    t.countWords(texts);
    return t.learn(maxNewTokens);
  }

  private void countWords(List<String> texts) {
    Map<String, Long> freq = new LinkedHashMap<>();
    for (String text : texts) {
      Matcher m = GPT2_SPLIT.matcher(text);
      while (m.find()) {
        freq.merge(m.group(), 1L, Long::sum);
      }
    }
    for (Map.Entry<String, Long> e : freq.entrySet()) {
      byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
      int[] word = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        word[i] = bytes[i] & 0xFF;
      }
      int index = words.size();
      words.add(word);
      wordCounts.add(e.getValue());
      addPairs(index, word, 1, null);
    }
    for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
      queue.add(candidate(e.getKey(), e.getValue()));
    }
  }

  private Result learn(int maxNewTokens) {
    List<String> newTokens = new ArrayList<>();
    List<String> merges = new ArrayList<>();
    while (newTokens.size() < maxNewTokens && !queue.isEmpty()) {
      Candidate best = queue.poll();
      if (pairCounts.getOrDefault(best.key(), 0L) != best.count()) {
        continue; // stale entry: the count changed since it was queued
      }
      String merged = best.left() + best.right();
      Integer id = symbolIds.get(merged);
      if (id == null) {
        id = symbols.size();
        symbols.add(merged);
        symbolIds.put(merged, id);
        newTokens.add(merged);
      }
      merges.add(best.left() + " " + best.right());
      applyMerge(best.key(), id);
    }
    return new Result(List.copyOf(newTokens), List.copyOf(merges));
  }

  private void applyMerge(long key, int newId) {
    int left = (int) (key >>> 32);
    int right = (int) key;
    Set<Long> touched = new HashSet<>();
    for (int w : pairWords.remove(key)) {
      int[] word = words.get(w);
      int[] merged = mergeWord(word, left, right, newId);
      if (merged.length == word.length) {
        continue;
      }
      addPairs(w, word, -1, touched);
      addPairs(w, merged, 1, touched);
      words.set(w, merged);
    }
    pairCounts.remove(key);
    for (long k : touched) {
      long c = pairCounts.getOrDefault(k, 0L);
      if (c > 0 && k != key) {
        queue.add(candidate(k, c));
      }
    }
  }

  private static int[] mergeWord(int[] word, int left, int right, int newId) {
    int[] out = new int[word.length];
    int n = 0;
    for (int i = 0; i < word.length; i++) {
      if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
        out[n++] = newId;
        i++;
      } else {
        out[n++] = word[i];
      }
    }
    return n == word.length ? word : Arrays.copyOf(out, n);
  }

  private void addPairs(int wordIndex, int[] word, int sign, Set<Long> touched) {
    long weight = sign * wordCounts.get(wordIndex);
    for (int i = 0; i + 1 < word.length; i++) {
      long key = ((long) word[i] << 32) | (word[i + 1] & 0xFFFFFFFFL);
      long c = pairCounts.merge(key, weight, Long::sum);
      if (c == 0) {
        pairCounts.remove(key);
      }
      if (sign > 0) {
        pairWords.computeIfAbsent(key, k -> new HashSet<>()).add(wordIndex);
      }
      if (touched != null) {
        touched.add(key);
      }
    }
  }

  private Candidate candidate(long key, long count) {
    return new Candidate(count, symbols.get((int) (key >>> 32)), symbols.get((int) key), key);
  }
}
