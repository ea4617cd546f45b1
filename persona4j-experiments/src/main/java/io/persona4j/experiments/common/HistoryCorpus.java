/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.PromptMode;
import io.persona4j.rec.llara.RecSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The pre-training corpus of the small base model: what the training users watched, as text ("This
 * user has watched Toy Story (1995), Heat (1995), ..."), in chunks of at most {@code perDocument}
 * titles. It teaches the model the titles and which films go together, but not the recommendation
 * task: choosing from candidates is learned by the LoRA / iLoRA fine-tuning, as it would be on a
 * general pre-trained LLM. Validation and test items are not in it.
 */
public final class HistoryCorpus {
  private HistoryCorpus() {}

  /** Documents from {@code sequences} (training portions only). */
  public static List<String> documents(int[][] sequences, ItemCatalog catalog, int perDocument) {
    if (perDocument < 2) {
      throw new IllegalArgumentException("perDocument must be >= 2, got " + perDocument);
    }
    List<String> docs = new ArrayList<>();
    for (int[] seq : sequences) {
      for (int from = 0; from < seq.length; from += perDocument) {
        int to = Math.min(seq.length, from + perDocument);
        if (to - from < 2) {
          continue;
        }
        StringBuilder b = new StringBuilder("This user has watched ");
        for (int i = from; i < to; i++) {
          b.append(i > from ? ", " : "").append(catalog.title(seq[i]));
        }
        docs.add(b.append('.').toString());
      }
    }
    return docs;
  }

  /**
   * LLaRA's text-only prompt of each sample followed by its answer ({@code "... Answer: Title"}):
   * the task in plain text, so that a small base model learns to read a prompt and answer with a
   * candidate title before the adapters learn the hybrid item tokens.
   */
  public static List<String> promptDocuments(
      List<RecSample> samples, ItemCatalog catalog, int maxLength) throws IOException {
    return promptDocuments(samples, catalog, LlaraPromptConfig.movies(maxLength));
  }

  /** As {@link #promptDocuments(List, ItemCatalog, int)} with prompts written by {@code config}. */
  public static List<String> promptDocuments(
      List<RecSample> samples, ItemCatalog catalog, LlaraPromptConfig config) throws IOException {
    return withPromptWriter(
        catalog,
        config,
        prompt -> {
          List<String> docs = new ArrayList<>(samples.size());
          for (var sample : samples) {
            docs.add(prompt.text(sample, PromptMode.TEXT) + prompt.answer(sample.target()));
          }
          return docs;
        });
  }

  /**
   * Runs {@code body} with a {@link LlaraPrompt} of {@code config} that only writes text: the
   * prompt text needs no tokenizer, but LlaraPrompt wants one, so a throwaway stands in.
   */
  static <T> T withPromptWriter(
      ItemCatalog catalog, LlaraPromptConfig config, Function<LlaraPrompt, T> body)
      throws IOException {
    Path dir = Files.createTempDirectory("persona4j-corpus");
    Path file = dir.resolve("tokenizer.json");
    try {
      TokenizerJsonWriter.writeByteLevelBpe(file, 260, List.of("a"));
      try (Tokenizer tok = Tokenizer.load(file)) {
        return body.apply(new LlaraPrompt(tok, catalog, config));
      }
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  /** Every title of the catalog once, {@code perDocument} to a line ("Movies: A, B, ..."). */
  public static List<String> catalogDocuments(ItemCatalog catalog, int perDocument) {
    List<String> docs = new ArrayList<>();
    for (int from = 1; from <= catalog.itemCount(); from += perDocument) {
      StringBuilder b = new StringBuilder("Movies: ");
      for (int i = from; i < Math.min(catalog.itemCount() + 1, from + perDocument); i++) {
        b.append(i > from ? ", " : "").append(catalog.title(i));
      }
      docs.add(b.append('.').toString());
    }
    return docs;
  }
}
