/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordPieceWriterTest {
  static final List<String> SMALL =
      List.of(
          "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s", "un", "##known",
          ",", "!", "Hello");

  @TempDir Path dir;

  @Test
  void writesABertStyleTokenizer() throws IOException {
    Path out = dir.resolve("wp.json");
    TokenizerJsonWriter.writeWordPiece(out, SMALL, true);
    try (Tokenizer t = Tokenizer.load(out)) {
      long[] ids = t.encode("HELLO Worlds, unknown zebra!", true);
      assertThat(ids).containsExactly(2, 5, 6, 7, 10, 8, 9, 1, 11, 3);
      assertThat(t.decode(ids, true)).isEqualTo("hello worlds, unknown!");
      assertThat(t.vocabSize()).isEqualTo(SMALL.size());
      assertThat(t.bosId()).hasValue(2);
      assertThat(t.eosId()).hasValue(3);
      assertThat(t.padId()).hasValue(0);
      assertThat(t.unkId()).hasValue(1);
      assertThat(t.isSpecial(4)).isTrue();
    }
  }

  @Test
  void keepsCaseWhenNotLowercasing() throws IOException {
    Path out = dir.resolve("cased.json");
    TokenizerJsonWriter.writeWordPiece(out, SMALL, false);
    try (Tokenizer t = Tokenizer.load(out)) {
      assertThat(t.encode("Hello hello HELLO", false)).containsExactly(12, 5, 1);
    }
  }

  @Test
  void rejectsBadVocabularies() {
    List<String> noMask = new ArrayList<>(SMALL);
    noMask.remove("[MASK]");
    assertThatThrownBy(() -> TokenizerJsonWriter.writeWordPiece(dir.resolve("a"), noMask, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[MASK]");
    List<String> repeated = new ArrayList<>(SMALL);
    repeated.add("hello");
    assertThatThrownBy(() -> TokenizerJsonWriter.writeWordPiece(dir.resolve("b"), repeated, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hello");
    List<String> blank = new ArrayList<>(SMALL);
    blank.add(" ");
    assertThatThrownBy(() -> TokenizerJsonWriter.writeWordPiece(dir.resolve("c"), blank, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void defaultVocabularyHasTheExactSizeAndCoversTheCorpus() throws IOException {
    List<String> vocab = TokenizerJsonWriter.defaultWordPieceVocab(2000);
    assertThat(vocab).hasSize(2000).startsWith("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    assertThat(new HashSet<>(vocab)).hasSize(2000);
    assertThat(vocab).contains("the", "##e", "café");
    Path out = dir.resolve("default.json");
    TokenizerJsonWriter.writeWordPiece(out, vocab, true);
    try (Tokenizer t = Tokenizer.load(out)) {
      assertThat(t.vocabSize()).isEqualTo(2000);
      for (long[] ids : t.encodeAll(DefaultCorpus.paragraphs(), false)) {
        assertThat(ids).doesNotContain(1L);
      }
      String s = "the cinema shows two films every evening.";
      assertThat(t.decode(t.encode(s, true), true)).isEqualTo(s);
      assertThat(t.encode("the", false)).containsExactly(vocab.indexOf("the"));
    }
  }

  @Test
  void defaultVocabularyRejectsSizesBelowItsAlphabet() {
    assertThatThrownBy(() -> TokenizerJsonWriter.defaultWordPieceVocab(50))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least");
    assertThat(TokenizerJsonWriter.defaultWordPieceVocab(400)).hasSize(400);
  }
}
