/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import io.persona4j.core.train.Example;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt text, tokenization, label masking, placeholders and truncation of {@link LlaraPrompt}. */
class LlaraPromptTest {
  @TempDir static Path dir;
  static Tokenizer tok;
  static final ItemCatalog CATALOG = ItemCatalog.of(LlaraFixture.TITLES);
  // History Toy Story, Heat; candidates Casino, Jumanji; target Jumanji.
  static final RecSample SAMPLE = new RecSample(3, new int[] {1, 3}, new int[] {6, 2}, 2);

  @BeforeAll
  static void load() throws Exception {
    Path file = dir.resolve("tokenizer.json");
    LlaraFixture.writeTokenizer(file, 512);
    tok = Tokenizer.load(file);
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  static LlaraPrompt prompt(int maxLength) {
    return new LlaraPrompt(tok, CATALOG, LlaraPromptConfig.movies(maxLength));
  }

  @Test
  void writesLlarasTextOnlyAndHybridPromptsExactly() {
    LlaraPrompt p = prompt(256);
    assertThat(p.text(SAMPLE, PromptMode.TEXT))
        .isEqualTo(
            "This user has watched Toy Story (1995), Heat (1995) in the previous. Please predict"
                + " the next movie this user will watch. Choose the answer from the following 2"
                + " movie titles: Casino (1995), Jumanji (1995). Answer:");
    assertThat(p.text(SAMPLE, PromptMode.HYBRID))
        .isEqualTo(
            "This user has watched Toy Story (1995) [HistoryEmb], Heat (1995) [HistoryEmb] in the"
                + " previous. Please predict the next movie this user will watch. Choose the"
                + " answer from the following 2 movie titles: Casino (1995) [CansEmb], Jumanji"
                + " (1995) [CansEmb]. Answer:");
    assertThat(p.answer(2)).isEqualTo(" Jumanji (1995)");
    LlaraPrompt ph =
        new LlaraPrompt(
            tok,
            CATALOG,
            LlaraPromptConfig.movies(256).withTextItemSuffix(LlaraPromptConfig.TEXT_PLACEHOLDER));
    assertThat(ph.text(SAMPLE, PromptMode.TEXT))
        .startsWith("This user has watched Toy Story (1995) [PH], Heat (1995) [PH] in the")
        .endsWith("titles: Casino (1995) [PH], Jumanji (1995) [PH]. Answer:");
  }

  @Test
  void trainingEncodingIsPromptWithBosThenAnswerWithEosAndLearnsTheAnswerOnly() {
    LlaraPrompt p = prompt(256);
    EncodedPrompt e = p.encode(SAMPLE, PromptMode.TEXT);
    long[] promptIds = tok.encode(p.text(SAMPLE, PromptMode.TEXT), true);
    long[] answer = tok.encode(" Jumanji (1995)", false);
    assertThat(promptIds[0]).isEqualTo(1L); // BOS
    long[] expected =
        LongStream.concat(
                LongStream.concat(Arrays.stream(promptIds), Arrays.stream(answer)),
                LongStream.of(2L)) // EOS
            .toArray();
    assertThat(e.ids()).containsExactly(expected);
    assertThat(e.promptLength()).isEqualTo(promptIds.length);
    assertThat(e.historyKept()).isEqualTo(2);
    long[] labels = e.labels();
    for (int i = 0; i < promptIds.length; i++) {
      assertThat(labels[i]).as("label %d", i).isEqualTo(Example.IGNORE);
    }
    for (int i = promptIds.length; i < expected.length; i++) {
      assertThat(labels[i]).isEqualTo(expected[i]);
    }
    assertThat(e.toExample().targetCount()).isEqualTo(answer.length + 1);
    assertThat(e.placeholderPositions()).isEmpty();
    assertThat(tok.decode(Arrays.copyOfRange(e.ids(), e.promptLength(), e.length()), false))
        .isEqualTo(" Jumanji (1995)</s>");
    assertThat(p.answerIds(2, false)).containsExactly(answer);
  }

  @Test
  void hybridEncodingLocatesOnePlaceholderTokenPerItem() {
    LlaraPrompt p = prompt(256);
    long[] ph = p.placeholderIds();
    assertThat(ph[0]).isEqualTo(tok.tokenId("[HistoryEmb]").orElseThrow());
    assertThat(ph[1]).isEqualTo(tok.tokenId("[CansEmb]").orElseThrow());
    EncodedPrompt e = p.encode(SAMPLE, PromptMode.HYBRID);
    assertThat(e.ids())
        .startsWith(tok.encode(p.text(SAMPLE, PromptMode.HYBRID), true))
        .endsWith(p.answerIds(2));
    assertThat(e.placeholderItems()).containsExactly(1, 3, 6, 2);
    int[] pos = e.placeholderPositions();
    assertThat(pos).hasSize(4).isSorted();
    long[] ids = e.ids();
    assertThat(ids[pos[0]]).isEqualTo(ph[0]);
    assertThat(ids[pos[1]]).isEqualTo(ph[0]);
    assertThat(ids[pos[2]]).isEqualTo(ph[1]);
    assertThat(ids[pos[3]]).isEqualTo(ph[1]);
    assertThat(Arrays.stream(ids).filter(id -> id == ph[0] || id == ph[1]).count()).isEqualTo(4);
    // Each placeholder follows its item's title.
    assertThat(tok.decode(Arrays.copyOfRange(ids, 0, pos[1]), true)).endsWith("Heat (1995) ");
    assertThat(tok.decode(Arrays.copyOfRange(ids, 0, pos[2]), true)).endsWith("Casino (1995) ");
    // The answer's labels are the same as in text mode.
    EncodedPrompt text = p.encode(SAMPLE, PromptMode.TEXT);
    assertThat(e.toExample().targetCount()).isEqualTo(text.toExample().targetCount());

    LlaraPrompt one =
        new LlaraPrompt(tok, CATALOG, LlaraPromptConfig.movies(256).withPlaceholder("[CansEmb]"));
    EncodedPrompt single = one.encode(SAMPLE, PromptMode.HYBRID);
    assertThat(single.placeholderItems()).containsExactly(1, 3, 6, 2);
    assertThat(Arrays.stream(single.placeholderPositions()).mapToLong(i -> single.ids()[i]))
        .containsOnly(ph[1]);
  }

  @Test
  void textSuffixTokenIsNotAPlaceholder() {
    LlaraPrompt p =
        new LlaraPrompt(
            tok,
            CATALOG,
            LlaraPromptConfig.movies(256).withTextItemSuffix(LlaraPromptConfig.TEXT_PLACEHOLDER));
    EncodedPrompt e = p.encode(SAMPLE, PromptMode.TEXT);
    long phId = tok.tokenId("[PH]").orElseThrow();
    assertThat(Arrays.stream(e.ids()).filter(id -> id == phId).count()).isEqualTo(4);
    assertThat(e.placeholderPositions()).isEmpty();
  }

  @Test
  void truncatesTheOldestHistoryItemsToFitAndNeverCandidatesOrAnswer() {
    RecSample s =
        new RecSample(5, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, new int[] {11, 12, 5}, 11);
    LlaraPrompt wide = prompt(256);
    int answer = wide.answerIds(11).length;
    for (PromptMode mode : PromptMode.values()) {
      int four = tok.encode(wide.text(s, mode, 4), true).length;
      int five = tok.encode(wide.text(s, mode, 5), true).length;
      assertThat(five).isGreaterThan(four);
      LlaraPrompt p = prompt(four + answer); // room for exactly 4 history items
      EncodedPrompt e = p.encode(s, mode);
      assertThat(e.historyKept()).isEqualTo(4);
      assertThat(e.length()).isEqualTo(four + answer);
      String text = tok.decode(Arrays.copyOf(e.ids(), e.promptLength()), true);
      assertThat(text).contains("Babe", "Balto", "Nixon", "Othello"); // items 7..10
      assertThat(text).doesNotContain("Casino"); // item 6, dropped
      assertThat(text).contains("Now and Then", "Persuasion", "GoldenEye"); // candidates
      assertThat(e.ids()).endsWith(wide.answerIds(11));
      if (mode == PromptMode.HYBRID) {
        assertThat(e.placeholderItems()).containsExactly(7, 8, 9, 10, 11, 12, 5);
      }
      // Prompt-only encodings reserve room the same way.
      EncodedPrompt q = p.encodePrompt(s, mode, answer);
      assertThat(q.historyKept()).isEqualTo(4);
      assertThat(q.labels()).isNull();
      assertThat(p.encodePrompt(s, mode, answer + 1).historyKept()).isLessThan(4);
      // Without truncation everything is kept.
      assertThat(wide.encode(s, mode).historyKept()).isEqualTo(10);

      int one = tok.encode(wide.text(s, mode, 1), true).length;
      LlaraPrompt tiny = prompt(one + answer - 1);
      assertThatThrownBy(() -> tiny.encode(s, mode))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("user 5")
          .hasMessageContaining("only the most recent history item")
          .hasMessageContaining("takes " + one + " tokens");
    }
  }

  @Test
  void placeholderMustBeASpecialTokenOfTheTokenizer() throws Exception {
    Path plain = dir.resolve("plain.json");
    TokenizerJsonWriter.writeByteLevelBpe(plain, 400, LlaraFixture.TITLES);
    try (Tokenizer t = Tokenizer.load(plain)) {
      LlaraPrompt p = new LlaraPrompt(t, CATALOG, LlaraPromptConfig.movies(256));
      assertThat(p.encode(SAMPLE, PromptMode.TEXT).length()).isGreaterThan(10); // text-only works
      assertThatThrownBy(() -> p.encode(SAMPLE, PromptMode.HYBRID))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("historyToken [HistoryEmb] is not a special token of " + plain)
          .hasMessageContaining("TokenizerJsonWriter.writeByteLevelBpe")
          .hasMessageContaining("<|reserved_special_token_0|>");
    }
  }

  @Test
  void rejectsTitlesHoldingATokenOrLineBreakAndBadConfigs() {
    ItemCatalog bad = ItemCatalog.of(List.of("Fine", "Bad [CansEmb] title", "Two\nlines"));
    LlaraPrompt p = new LlaraPrompt(tok, bad, LlaraPromptConfig.movies(256));
    RecSample s = new RecSample(0, new int[] {1}, new int[] {2, 1}, 1);
    assertThatThrownBy(() -> p.text(s, PromptMode.TEXT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("title of item 2 contains the token [CansEmb]");
    assertThatThrownBy(() -> p.answer(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item 3 contains a line break");
    assertThatThrownBy(() -> LlaraPromptConfig.movies(256).withTemplate("no marks here"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[HistoryHere] exactly once");
    assertThatThrownBy(() -> LlaraPromptConfig.movies(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxLength must be >= 4, got 3");
    assertThatThrownBy(() -> LlaraPromptConfig.movies(256).withPlaceholder(" x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("historyToken");
    assertThatThrownBy(() -> CATALOG.title(13))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item 13 is not in the catalog of items 1..12");
  }

  @Test
  void samplesAreValidated() {
    assertThatThrownBy(() -> new RecSample(1, new int[] {1}, new int[] {2, 3}, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target item 4 is not among the candidates [2, 3]");
    assertThatThrownBy(() -> new RecSample(1, new int[] {1}, new int[] {2, 2}, 2))
        .hasMessageContaining("candidate item 2 is listed twice");
    assertThatThrownBy(() -> new RecSample(1, new int[] {0}, new int[] {2}, 2))
        .hasMessageContaining("history holds item 0");
    assertThatThrownBy(() -> new RecSample(1, new int[0], new int[] {2}, 2))
        .hasMessageContaining("at least one item");
    RecSample a = new RecSample(1, new int[] {1}, new int[] {3, 2}, 2);
    assertThat(a).isEqualTo(new RecSample(1, new int[] {1}, new int[] {3, 2}, 2));
    assertThat(a.targetIndex()).isEqualTo(1);
  }

  @Test
  void anOpenTemplateShowsNoCandidatesAndRejectsTwoCandidateMarks() {
    LlaraPrompt open =
        new LlaraPrompt(
            tok,
            CATALOG,
            LlaraPromptConfig.movies(256)
                .withTemplate("This user has watched [HistoryHere]. Next movie:"));
    assertThat(open.text(SAMPLE, PromptMode.TEXT))
        .isEqualTo("This user has watched Toy Story (1995), Heat (1995). Next movie:");
    assertThatThrownBy(
            () -> LlaraPromptConfig.movies(256).withTemplate("[HistoryHere] [CansHere] [CansHere]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[CansHere] at most once");
  }
}
