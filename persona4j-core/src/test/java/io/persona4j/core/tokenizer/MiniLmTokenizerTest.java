/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real BERT uncased WordPiece tokenizer of all-MiniLM-L6-v2. */
class MiniLmTokenizerTest {
  @TempDir static Path dir;
  static Tokenizer tok;

  @BeforeAll
  static void load() throws Exception {
    tok = Tokenizer.load(TestTokenizers.miniLm(dir));
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @Test
  void encodesHelloWorldToTheKnownBertIdsAndDecodesBack() {
    long[] ids = tok.encode("Hello, world!", true);
    assertThat(ids).containsExactly(101, 7592, 1010, 2088, 999, 102);
    assertThat(tok.decode(ids, true)).isEqualTo("hello, world!");
    assertThat(tok.decode(ids, false)).isEqualTo("[CLS] hello, world! [SEP]");
    assertThat(tok.encode("Hello, world!", false)).containsExactly(7592, 1010, 2088, 999);
  }

  @Test
  void unknownCharactersMapToUnk() {
    assertThat(tok.encode("hello 🦜 ☃", true)).containsExactly(101, 7592, 100, 100, 102);
    assertThat(tok.unkId()).hasValue(100);
  }

  @Test
  void findsSpecialTokensAndVocabulary() {
    assertThat(tok.vocabSize()).isEqualTo(30522);
    assertThat(tok.bosId()).hasValue(101);
    assertThat(tok.eosId()).hasValue(102);
    assertThat(tok.eosIds()).containsExactly(102);
    assertThat(tok.padId()).hasValue(0);
    assertThat(tok.tokenId("hello")).hasValue(7592);
    assertThat(tok.tokenId("no such token")).isEmpty();
    assertThat(tok.token(2088)).hasValue("world");
    assertThat(tok.isSpecial(101)).isTrue();
    assertThat(tok.isSpecial(7592)).isFalse();
  }

  @Test
  void ignoresTheTruncationAndPaddingStoredInTheFile() {
    // The file asks for truncation at 128 tokens and fixed padding to 128.
    assertThat(tok.encode("word ".repeat(300), true)).hasSize(302);
    List<long[]> batch = tok.encodeAll(List.of("a", "a b c d"), true);
    assertThat(batch.get(0)).containsExactly(101, 1037, 102);
    assertThat(batch.get(1)).containsExactly(101, 1037, 1038, 1039, 1040, 102);
    assertThat(tok.encodeAll(List.of(), true)).isEmpty();
  }

  @Test
  void tokenTextGivesTheSurfaceTextOfWordPieces() {
    assertThat(tok.tokenText(7592)).isEqualTo(" hello");
    assertThat(tok.tokenText(tok.tokenId("##ing").getAsLong())).isEqualTo("ing");
    assertThat(tok.tokenText(1010)).isEqualTo(",");
  }
}
