/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Tokenizer files shared by the tests. */
final class TestTokenizers {
  /**
   * The real all-MiniLM-L6-v2 (BERT uncased WordPiece) tokenizer.json inside the langchain4j jar.
   */
  static final String MINILM_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  private TestTokenizers() {}

  /** Copies the MiniLM tokenizer.json to {@code dir} and returns the copy. */
  static Path miniLm(Path dir) {
    Path out = dir.resolve("minilm-tokenizer.json");
    try (InputStream in =
        TestTokenizers.class.getClassLoader().getResourceAsStream(MINILM_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + MINILM_RESOURCE);
      }
      Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a byte-level BPE tokenizer.json trained on the default corpus. */
  static Path byteLevelBpe(Path dir, int vocabSize) {
    Path out = dir.resolve("bpe-" + vocabSize + ".json");
    try {
      TokenizerJsonWriter.writeByteLevelBpe(out, vocabSize, List.of());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
