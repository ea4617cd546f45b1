/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Builds the default BERT-style WordPiece vocabulary from the {@link DefaultCorpus}. */
final class WordPieceVocab {
  /** The special tokens every WordPiece vocabulary here must hold, in BERT's order. */
  static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

  private static final List<String> SUFFIXES =
      List.of("##s", "##es", "##ed", "##ing", "##ly", "##er", "##est", "##ion", "##al", "##y");

  private WordPieceVocab() {}

  /**
   * Specials, then every character (printable ASCII and those of the corpus, lower and upper case)
   * alone and as a {@code ##} continuation, then common English suffixes, then corpus words by
   * falling frequency (ties alphabetical, lower-cased), then {@code [unusedN]} fillers.
   *
   * @throws IllegalArgumentException when {@code vocabSize} cannot hold specials and characters
   */
  static List<String> build(int vocabSize) {
    String corpus = DefaultCorpus.text();
    Set<Integer> chars = new TreeSet<>();
    for (int c = '!'; c <= '~'; c++) {
      chars.add(c);
    }
    corpus
        .codePoints()
        .filter(c -> !Character.isWhitespace(c) && !Character.isISOControl(c))
        .forEach(
            c -> {
              chars.add(c);
              chars.add(Character.toLowerCase(c));
              chars.add(Character.toUpperCase(c));
            });
    int minimum = SPECIALS.size() + 2 * chars.size();
    if (vocabSize < minimum) {
      throw new IllegalArgumentException(
          "vocabSize must be at least "
              + minimum
              + " (5 special tokens + "
              + chars.size()
              + " characters, each alone and as a ## continuation), got "
              + vocabSize);
    }
    Set<String> vocab = new LinkedHashSet<>(SPECIALS);
    chars.forEach(c -> vocab.add(Character.toString(c)));
    chars.forEach(c -> vocab.add("##" + Character.toString(c)));
    for (String s : SUFFIXES) {
      addIfRoom(vocab, s, vocabSize);
    }
    for (String word : wordsByFrequency(corpus)) {
      addIfRoom(vocab, word, vocabSize);
    }
    for (int i = 0; vocab.size() < vocabSize; i++) {
      vocab.add("[unused" + i + "]");
    }
    return List.copyOf(vocab);
  }

  private static void addIfRoom(Set<String> vocab, String token, int vocabSize) {
    if (vocab.size() < vocabSize) {
      vocab.add(token);
    }
  }

  /** Lower-cased runs of letters and digits (BERT splits on spaces and punctuation). */
  private static List<String> wordsByFrequency(String corpus) {
    Map<String, Integer> counts = new HashMap<>();
    StringBuilder word = new StringBuilder();
    String lower = corpus.toLowerCase(Locale.ROOT) + " ";
    for (int i = 0; i < lower.length(); ) {
      int c = lower.codePointAt(i);
      i += Character.charCount(c);
      if (Character.isLetterOrDigit(c)) {
        word.appendCodePoint(c);
      } else if (!word.isEmpty()) {
        counts.merge(word.toString(), 1, Integer::sum);
        word.setLength(0);
      }
    }
    List<String> words = new ArrayList<>(counts.keySet());
    words.sort(
        Comparator.comparing((String w) -> counts.get(w))
            .reversed()
            .thenComparing(Comparator.naturalOrder()));
    return words;
  }
}
