/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad files give an IOException naming the file, never a crash. */
class TokenizerLoadErrorsTest {
  @TempDir Path dir;

  @Test
  void missingFile() {
    Path file = dir.resolve("nope/tokenizer.json");
    assertThatThrownBy(() -> Tokenizer.load(file))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(file.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "this is not JSON",
        "",
        "[1, 2, 3]",
        "{\"version\": \"1.0\"}",
        "{\"model\": {\"type\": \"Nonsense\"}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}"
      })
  void invalidContent(String content) throws IOException {
    Path file = Files.writeString(dir.resolve("tokenizer.json"), content);
    assertThatThrownBy(() -> Tokenizer.load(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void truncatedFile() throws IOException {
    Path good = TestTokenizers.byteLevelBpe(dir, 300);
    byte[] bytes = Files.readAllBytes(good);
    Path file = Files.write(dir.resolve("cut.json"), Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> Tokenizer.load(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void binaryFile() throws IOException {
    Path file = Files.write(dir.resolve("weights.bin"), new byte[] {(byte) 0xFF, 0, (byte) 0xC3});
    assertThatThrownBy(() -> Tokenizer.load(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void directoryWithoutTokenizerListsWhatWasLookedFor() throws IOException {
    assertThatThrownBy(() -> Tokenizer.fromDirectory(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve("tokenizer.json").toString());
    Files.writeString(dir.resolve("tokenizer.model"), "sentencepiece");
    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve("tokenizer.json").toString())
        .hasMessageContaining("tokenizer.model");
    assertThatThrownBy(() -> Tokenizer.fromDirectory(dir.resolve("missing")))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(dir.resolve("missing").toString());
  }

  @Test
  void invalidConfigFileInModelDirectoryIsNamed() throws IOException {
    Files.copy(TestTokenizers.byteLevelBpe(dir, 260), dir.resolve("tokenizer.json"));
    Path config = Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": ");
    assertThatThrownBy(() -> Tokenizer.fromDirectory(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(config.toString());
  }

  @Test
  void closedTokenizerFailsCleanly() throws IOException {
    Tokenizer t = Tokenizer.load(TestTokenizers.byteLevelBpe(dir, 260));
    t.close();
    t.close();
    assertThatThrownBy(() -> t.encode("x", false)).isInstanceOf(IllegalStateException.class);
    assertThat(t.vocabSize()).isEqualTo(260);
  }
}
