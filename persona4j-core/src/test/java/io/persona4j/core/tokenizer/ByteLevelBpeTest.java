/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Byte-level BPE tokenizer.json files written and trained by {@link TokenizerJsonWriter}. */
class ByteLevelBpeTest {
  @TempDir static Path dir;
  static Tokenizer tok;

  @BeforeAll
  static void load() throws Exception {
    tok = Tokenizer.load(TestTokenizers.byteLevelBpe(dir, 1000));
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Hello, world! The film starts at 8:30 pm.",
        "Crème brûlée, jalapeño, naïve café in São Paulo; Ångström Œuvre",
        "日本語のテキストと한국어 텍스트, 中文",
        "emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷 ok",
        "  leading spaces,\ttabs\nnew lines\r\n\u0000 nul \u00a0 nbsp \u200b zwsp  ",
        ""
      })
  void roundTripsAnyTextWithoutUnknownTokens(String text) {
    long[] ids = tok.encode(text, false);
    assertThat(tok.decode(ids, false)).isEqualTo(text);
    assertThat(Arrays.stream(ids).boxed()).allMatch(id -> id >= 4 && id < 1000);
    long[] withBos = tok.encode(text, true);
    assertThat(tok.decode(withBos, true)).isEqualTo(text);
  }

  @Test
  void prependsBosOnlyWhenAddingSpecialTokens() {
    long[] plain = tok.encode("Hello there", false);
    long[] withBos = tok.encode("Hello there", true);
    assertThat(withBos[0]).isEqualTo(1L);
    assertThat(Arrays.copyOfRange(withBos, 1, withBos.length)).isEqualTo(plain);
    assertThat(plain[0]).isNotEqualTo(1L);
    assertThat(tok.decode(withBos, false)).isEqualTo("<s>Hello there");
  }

  @Test
  void hasLlamaLikeSpecialTokens() {
    assertThat(tok.padId()).hasValue(0);
    assertThat(tok.bosId()).hasValue(1);
    assertThat(tok.eosId()).hasValue(2);
    assertThat(tok.unkId()).hasValue(3);
    assertThat(tok.isSpecial(1)).isTrue();
    assertThat(tok.tokenId("Ġ")).hasValue(4 + ' ');
    assertThat(tok.tokenText(4 + ' ')).isEqualTo(" ");
  }

  @Test
  void learnsFrequentWordsAsSingleTokens() {
    long the = tok.tokenId("Ġthe").orElseThrow();
    assertThat(the).isGreaterThanOrEqualTo(260);
    assertThat(tok.encode(" the", false)).containsExactly(the);
    assertThat(tok.tokenText(the)).isEqualTo(" the");
    String paragraph = DefaultCorpus.paragraphs().get(0);
    assertThat(tok.encode(paragraph, false).length).isLessThan(paragraph.length() / 2);
  }

  @ParameterizedTest
  @ValueSource(ints = {260, 261, 777, 3000})
  void respectsVocabSizeExactly(int vocabSize) throws Exception {
    try (Tokenizer t = Tokenizer.load(TestTokenizers.byteLevelBpe(dir, vocabSize))) {
      assertThat(t.vocabSize()).isEqualTo(vocabSize);
      for (long id = 0; id < vocabSize; id++) {
        assertThat(t.token(id)).as("token %d", id).isPresent();
      }
      assertThat(t.token(vocabSize)).isEmpty();
    }
  }

  @Test
  void fillsWithReservedSpecialTokensWhenTheTextsRunOutOfPairs() throws Exception {
    Path out = dir.resolve("sub/dir/tiny.json");
    TokenizerJsonWriter.writeByteLevelBpe(out, 300, List.of("ab ab"));
    try (Tokenizer t = Tokenizer.load(out)) {
      assertThat(t.vocabSize()).isEqualTo(300);
      assertThat(t.tokenId("ab")).hasValue(260);
      assertThat(t.token(299)).hasValueSatisfying(s -> assertThat(s).startsWith("<|reserved_"));
      assertThat(t.isSpecial(299)).isTrue();
      assertThat(t.decode(t.encode("ab ba", false), false)).isEqualTo("ab ba");
    }
  }

  @Test
  void trainingIsDeterministic() throws Exception {
    Path a = dir.resolve("a.json");
    Path b = dir.resolve("b.json");
    TokenizerJsonWriter.writeByteLevelBpe(a, 600, List.of());
    TokenizerJsonWriter.writeByteLevelBpe(b, 600, new ArrayList<>(DefaultCorpus.paragraphs()));
    assertThat(Files.mismatch(a, b)).isEqualTo(-1L);
    List<String> texts = List.of("the cat sat on the mat", "a dog, a log, a fog");
    TokenizerJsonWriter.writeByteLevelBpe(a, 280, texts);
    TokenizerJsonWriter.writeByteLevelBpe(b, 280, new ArrayList<>(texts));
    assertThat(Files.mismatch(a, b)).isEqualTo(-1L);
  }

  @Test
  void breaksTiesLexicographicallyAndWritesMergesAsStrings() throws Exception {
    Path out = dir.resolve("ties.json");
    TokenizerJsonWriter.writeByteLevelBpe(out, 262, List.of("xy", "ab", "xy", "ab"));
    var model = new ObjectMapper().readTree(out.toFile()).get("model");
    assertThat(model.get("merges").toString()).isEqualTo("[\"a b\",\"x y\"]");
    assertThat(model.get("vocab").get("ab").asInt()).isEqualTo(260);
    assertThat(model.get("vocab").get("xy").asInt()).isEqualTo(261);
  }

  @Test
  void rejectsTooSmallVocabularies() {
    assertThatThrownBy(
            () -> TokenizerJsonWriter.writeByteLevelBpe(dir.resolve("x"), 259, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 260")
        .hasMessageContaining("259");
    assertThat(dir.resolve("x")).doesNotExist();
  }

  @Test
  void reservesExtraSpecialTokensThatAlwaysEncodeAsOneToken() throws Exception {
    Path out = dir.resolve("extra.json");
    List<String> texts = List.of("Toy Story (1995), Heat (1995)", "Casino (1995)");
    TokenizerJsonWriter.writeByteLevelBpe(out, 300, texts, List.of("[HistoryEmb]", "[CansEmb]"));
    try (Tokenizer t = Tokenizer.load(out)) {
      assertThat(t.vocabSize()).isEqualTo(300);
      long h = t.tokenId("[HistoryEmb]").orElseThrow();
      long c = t.tokenId("[CansEmb]").orElseThrow();
      assertThat(c).isEqualTo(h + 1);
      assertThat(t.isSpecial(h)).isTrue();
      long[] ids = t.encode("Heat (1995) [HistoryEmb], Casino[CansEmb]", false);
      assertThat(Arrays.stream(ids).filter(id -> id == h).count()).isEqualTo(1);
      assertThat(Arrays.stream(ids).filter(id -> id == c).count()).isEqualTo(1);
      assertThat(t.decode(ids, true)).isEqualTo("Heat (1995) , Casino");
      assertThat(t.decode(ids, false)).isEqualTo("Heat (1995) [HistoryEmb], Casino[CansEmb]");
    }
    assertThatThrownBy(
            () ->
                TokenizerJsonWriter.writeByteLevelBpe(
                    dir.resolve("y"), 300, texts, List.of("[X]", "[X]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'[X]' is repeated");
    assertThatThrownBy(
            () ->
                TokenizerJsonWriter.writeByteLevelBpe(dir.resolve("y"), 260, texts, List.of("[X]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 261");
  }
}
