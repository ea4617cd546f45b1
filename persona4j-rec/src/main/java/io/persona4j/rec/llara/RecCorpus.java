/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.train.Example;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text side of pre-training a small base model on recommendation prompts: the text-only LLaRA
 * prompt of each sample followed by its answer, for full-parameter language modeling (every token
 * learned). The history is truncated as for training, so every text fits the prompt's max length
 * (BOS and EOS included).
 */
public final class RecCorpus {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecCorpus() {}

  /** Prompt plus answer text of each sample ({@code "... Answer: Title"}), without BOS/EOS. */
  public static List<String> texts(LlaraPrompt prompt, List<RecSample> samples) {
    List<String> out = new ArrayList<>(samples.size());
    for (RecSample s : samples) {
      int kept = prompt.encode(s, PromptMode.TEXT).historyKept();
      out.add(prompt.text(s, PromptMode.TEXT, kept) + prompt.answer(s.target()));
    }
    return out;
  }

  /**
   * Language-modeling examples: BOS (if the tokenizer adds one), the prompt, the answer and EOS (if
   * the prompt's config appends it), every token a target.
   */
  public static List<Example> examples(LlaraPrompt prompt, List<RecSample> samples) {
    List<Example> out = new ArrayList<>(samples.size());
    for (RecSample s : samples) {
      out.add(Example.text(prompt.encode(s, PromptMode.TEXT).ids()));
    }
    return out;
  }

  /**
   * Writes {@link #texts} as JSON Lines {@code {"text": ...}} rows, the format core's {@code
   * JsonlDataset} (and {@code persona4j train}) reads as full language modeling.
   */
  public static void writeTextJsonl(Path out, LlaraPrompt prompt, List<RecSample> samples)
      throws IOException {
    List<Map<String, String>> rows = new ArrayList<>();
    for (String text : texts(prompt, samples)) {
      rows.add(Map.of("text", text));
    }
    write(out, rows);
  }

  /**
   * Writes {@code {"prompt": ..., "completion": ...}} rows (the text-only prompt and the answer
   * {@code " " + title}): a text-only LLaRA fine-tuning set for {@code persona4j train}, which
   * learns the completion only.
   */
  public static void writeCompletionJsonl(Path out, LlaraPrompt prompt, List<RecSample> samples)
      throws IOException {
    List<Map<String, String>> rows = new ArrayList<>();
    for (RecSample s : samples) {
      int kept = prompt.encode(s, PromptMode.TEXT).historyKept();
      Map<String, String> row = new LinkedHashMap<>();
      row.put("prompt", prompt.text(s, PromptMode.TEXT, kept));
      row.put("completion", prompt.answer(s.target()));
      rows.add(row);
    }
    write(out, rows);
  }

  private static void write(Path out, List<Map<String, String>> rows) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      for (Map<String, String> row : rows) {
        w.write(JSON.writeValueAsString(row));
        w.write('\n');
      }
    }
  }
}
