/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecialTokensTest {
  @TempDir Path dir;

  private static TokenizerJson json(String addedTokens, String vocab) throws IOException {
    String text =
        "{\"added_tokens\": ["
            + addedTokens
            + "], \"model\": {\"type\": \"BPE\", \"vocab\": {"
            + vocab
            + "}, \"merges\": []}}";
    return TokenizerJson.parse(Path.of("test.json"), text);
  }

  private static String added(int id, String content) {
    return "{\"id\": " + id + ", \"content\": \"" + content + "\", \"special\": true}";
  }

  @Test
  void detectsLlama3Names() throws IOException {
    TokenizerJson j =
        json(
            added(5, "<|begin_of_text|>")
                + ","
                + added(6, "<|eot_id|>")
                + ","
                + added(7, "<|end_of_text|>"),
            "\"a\": 0");
    SpecialTokens s = SpecialTokens.detect(j);
    assertThat(s.bos()).isEqualTo(5);
    assertThat(s.eos()).containsExactly(7L);
    assertThat(s.pad()).isEqualTo(-1);
    assertThat(s.unk()).isEqualTo(-1);
  }

  @Test
  void detectsQwenAndGpt2NamesAndPrefersAddedTokensOverVocabulary() throws IOException {
    SpecialTokens s =
        SpecialTokens.detect(
            json(added(9, "<|endoftext|>") + "," + added(10, "<|im_end|>"), "\"<s>\": 0"));
    assertThat(s.bos()).isEqualTo(9); // an added token wins over "<s>" in the plain vocabulary
    assertThat(s.eos()).containsExactly(9L);
    SpecialTokens v = SpecialTokens.detect(json("", "\"<s>\": 0, \"</s>\": 1, \"<unk>\": 2"));
    assertThat(v).isEqualTo(new SpecialTokens(0, java.util.List.of(1L), -1, 2));
  }

  @Test
  void modelDirectoryFilesOverrideInIncreasingPriority() throws IOException {
    Files.copy(TestTokenizers.byteLevelBpe(dir, 300), dir.resolve("tokenizer.json"));
    try (Tokenizer t = Tokenizer.fromDirectory(dir)) {
      assertThat(t.bosId()).hasValue(1);
      assertThat(t.eosIds()).containsExactly(2);
      assertThat(t.padId()).hasValue(0);
    }
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<unk>\"},"
            + " \"eos_token\": \"<pad>\", \"pad_token\": \"</s>\", \"unk_token\": null}");
    try (Tokenizer t = Tokenizer.fromDirectory(dir)) {
      assertThat(t.bosId()).hasValue(3);
      assertThat(t.eosIds()).containsExactly(0);
      assertThat(t.padId()).hasValue(2);
      assertThat(t.unkId()).hasValue(3);
    }
    Files.writeString(
        dir.resolve("config.json"),
        "{\"model_type\": \"llama\", \"bos_token_id\": 1, \"eos_token_id\": [2, 260],"
            + " \"pad_token_id\": null}");
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 261}");
    try (Tokenizer t = Tokenizer.fromDirectory(dir)) {
      assertThat(t.bosId()).hasValue(1);
      assertThat(t.eosId()).hasValue(261);
      assertThat(t.eosIds()).containsExactly(261);
      assertThat(t.padId()).hasValue(2); // null keeps the earlier value
    }
    Files.delete(dir.resolve("generation_config.json"));
    try (Tokenizer t = Tokenizer.fromDirectory(dir)) {
      assertThat(t.eosIds()).containsExactly(2, 260);
    }
  }

  @Test
  void loadingTheFileAloneIgnoresTheDirectoryConfigs() throws IOException {
    Files.copy(TestTokenizers.byteLevelBpe(dir, 300), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 5}");
    try (Tokenizer t = Tokenizer.load(dir.resolve("tokenizer.json"))) {
      assertThat(t.eosId()).hasValue(2);
    }
  }
}
