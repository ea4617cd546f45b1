/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingDecoderTest {
  @TempDir static Path dir;
  static Tokenizer bytes; // 260 ids: every character is spelled in byte tokens
  static Tokenizer bpe;
  static Tokenizer bert;

  @BeforeAll
  static void load() throws Exception {
    bytes = Tokenizer.load(TestTokenizers.byteLevelBpe(dir, 260));
    bpe = Tokenizer.load(TestTokenizers.byteLevelBpe(dir, 1000));
    bert = Tokenizer.load(TestTokenizers.miniLm(dir));
  }

  @AfterAll
  static void close() {
    bytes.close();
    bpe.close();
    bert.close();
  }

  private static List<String> stream(StreamingDecoder d, long[] ids) {
    List<String> out = new ArrayList<>();
    for (long id : ids) {
      out.add(d.push(id));
    }
    return out;
  }

  @Test
  void emitsAnEmojiSplitOverByteTokensOnlyWhenComplete() {
    long[] ids = bytes.encode("Hi 😀!", true);
    assertThat(ids).hasSize(1 + 3 + 4 + 1); // BOS, "Hi ", the emoji's 4 UTF-8 bytes, "!"
    assertThat(stream(bytes.newStreamingDecoder(), ids))
        .containsExactly("", "H", "i", " ", "", "", "", "😀", "!");
  }

  @Test
  void streamedTextEqualsTheDecodedTextAtEveryStep() {
    String text = "Zoë's café: 日本語, 👨‍👩‍👧 and crème brûlée!  Done.\nNext line";
    for (Tokenizer t : List.of(bytes, bpe, bert)) {
      long[] ids = t.encode(text, true);
      StreamingDecoder d = t.newStreamingDecoder();
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < ids.length; i++) {
        sb.append(d.push(ids[i]));
        String full = t.decode(Arrays.copyOf(ids, i + 1), true);
        assertThat(full).startsWith(sb.toString());
        assertThat(sb.toString()).doesNotContain("\uFFFD");
      }
      sb.append(d.flush());
      assertThat(sb.toString()).isEqualTo(t.decode(ids, true));
    }
  }

  @Test
  void streamsWordPiecesWithTheirSpacing() {
    long[] ids = bert.encode("Hello, world!", true);
    assertThat(stream(bert.newStreamingDecoder(), ids))
        .containsExactly("", "hello", ",", " world", "!", "");
  }

  @Test
  void skippedAndUnknownIdsDoNotEatTheSpaceOfTheNextWord() {
    long[] ids = bert.encode("hello 🦜 world", false); // hello [UNK] world
    assertThat(ids).containsExactly(7592, 100, 2088);
    StreamingDecoder d = bert.newStreamingDecoder();
    assertThat(List.of(d.push(ids[0]), d.push(ids[1]), d.push(999_999), d.push(ids[2])))
        .containsExactly("hello", "", "", " world");
  }

  @Test
  void flushEmitsBytesThatNeverFormedACharacterAndRestarts() {
    long[] emoji = bytes.encode("😀", false);
    StreamingDecoder d = bytes.newStreamingDecoder();
    assertThat(d.push(bytes.encode("a", false)[0])).isEqualTo("a");
    assertThat(d.push(emoji[0])).isEmpty();
    assertThat(d.push(emoji[1])).isEmpty();
    assertThat(d.flush()).isEqualTo("\uFFFD");
    assertThat(d.flush()).isEmpty();
    assertThat(stream(d, emoji)).containsExactly("", "", "", "😀");
    assertThat(d.push(emoji[0])).isEmpty();
    assertThat(d.flush()).isEqualTo("\uFFFD");
  }

  @Test
  void keepsSpecialTokensWhenAsked() {
    StreamingDecoder d = bpe.newStreamingDecoder(false);
    assertThat(d.push(1)).isEqualTo("<s>");
    assertThat(d.push(bpe.tokenId("Ġthe").getAsLong())).isEqualTo(" the");
    assertThat(d.push(2)).isEqualTo("</s>");
  }
}
