/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A small embedded English corpus (about 25 KB of plain descriptive paragraphs about films, food
 * and everyday life, written for this project) used to train tokenizers of tiny generated models.
 */
public final class DefaultCorpus {
  private static final String RESOURCE = "default-corpus.txt";
  private static volatile List<String> paragraphs;

  private DefaultCorpus() {}

  /** The corpus as a list of paragraphs (one per line of the resource, blank lines dropped). */
  public static List<String> paragraphs() {
    List<String> p = paragraphs;
    if (p == null) {
      p = text().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
      paragraphs = p;
    }
    return p;
  }

  /** The whole corpus text. */
  public static String text() {
    try (InputStream in = DefaultCorpus.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("Missing class path resource " + RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read class path resource " + RESOURCE, e);
    }
  }
}
