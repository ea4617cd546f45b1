/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.train.Pretraining;
import io.persona4j.core.train.ProgressListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code persona4j model pretrain}: trains a small Llama-family decoder from scratch on a text
 * corpus (full-parameter training): a byte-level BPE tokenizer learned from the corpus, random
 * initialization, causal language modeling on windows of {@code --max-len} tokens, then the model
 * in Hugging Face layout, usable by every other command (LoRA, generation, recommenders).
 */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    description = {
      "Pre-train a small Llama-family model from scratch on a text corpus (one document per"
          + " line, or JSONL with a \"text\" field): BPE tokenizer learned from the corpus,"
          + " full-parameter causal LM training, HF layout in --out (config.json,"
          + " model.safetensors, tokenizer.json, metrics.jsonl, loss.png)."
    })
final class PretrainCommand implements Callable<Integer> {
  @Option(names = "--corpus", required = true, description = "Text (.txt) or JSONL corpus.")
  Path corpus;

  @Option(names = "--out", required = true, description = "Output model directory.")
  Path out;

  @ValidatedAs("family")
  @Option(names = "--family", defaultValue = "llama", description = "llama, mistral or qwen2.")
  String family;

  @Mixin ModelShapeOptions shape = new ModelShapeOptions(4, 256, 4, 4096);

  @Option(
      names = "--special-tokens",
      split = ",",
      description = "Extra single-token specials to reserve in the vocabulary, e.g. [ItemEmb].")
  List<String> specialTokens = List.of();

  @Option(names = "--max-len", defaultValue = "512", description = "Window (${DEFAULT-VALUE}).")
  int maxLen;

  @Option(names = "--max-steps", defaultValue = "500", description = "Steps (${DEFAULT-VALUE}).")
  long maxSteps;

  @Option(names = "--batch-size", defaultValue = "8", description = "Batch (${DEFAULT-VALUE}).")
  int batchSize;

  @ValidatedAs("lr")
  @Option(names = "--lr", defaultValue = "1e-3", description = "Peak lr (${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--warmup-steps",
      description = "Linear warm-up steps (default: --warmup-ratio of --max-steps).")
  Long warmupSteps;

  @Option(
      names = "--warmup-ratio",
      defaultValue = "0.1",
      description =
          "Warm-up as a fraction of --max-steps without --warmup-steps (${DEFAULT-VALUE}).")
  double warmupRatio;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (${DEFAULT-VALUE}).")
  long seed;

  /** --warmup-steps, or --warmup-ratio of --max-steps (50 of the default 500 steps). */
  long warmupSteps() {
    if (warmupSteps != null) {
      return warmupSteps;
    }
    TrainOptions.require(
        warmupRatio >= 0 && warmupRatio <= 1, "--warmup-ratio", warmupRatio, "must be in [0, 1]");
    return Math.round(warmupRatio * maxSteps);
  }

  @Override
  public Integer call() throws Exception {
    Pretraining.Config config =
        new Pretraining.Config(
            family,
            shape.layers,
            shape.hidden,
            shape.heads,
            shape.kvHeads(),
            shape.vocab,
            specialTokens,
            maxLen,
            maxSteps,
            batchSize,
            lr,
            warmupSteps(),
            seed);
    List<String> docs = readCorpus(corpus);
    System.err.printf(
        "pretrain: %d documents from %s; %s, %d layers, hidden %d, vocab %d, %d steps of %d%n",
        docs.size(), corpus, family, shape.layers, shape.hidden, shape.vocab, maxSteps, batchSize);
    Pretraining.Result r = Pretraining.run(config, docs, out, List.of(ProgressListener.auto()));
    System.err.printf(
        "pretrained %d steps on %,d tokens (%d windows) in %.1f s: loss %.4f -> %.4f; model in"
            + " %s%n",
        r.steps(), r.tokens(), r.windows(), r.seconds(), r.firstLoss(), r.finalLoss(), out);
    return 0;
  }

  /** Documents: non-blank lines of a text file, or the {@code text} fields of a JSONL file. */
  static List<String> readCorpus(Path file) throws IOException {
    CliFiles.requireFile(file, "--corpus", "a text or JSONL corpus");
    boolean jsonl = file.getFileName().toString().endsWith(".jsonl");
    ObjectMapper json = new ObjectMapper();
    List<String> docs = new ArrayList<>();
    long line = 0;
    for (String s : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      line++;
      if (s.isBlank()) {
        continue;
      }
      if (jsonl) {
        var node = json.readTree(s);
        if (node == null || !node.path("text").isTextual()) {
          throw new IOException(file + ":" + line + ": field 'text' missing or not a string");
        }
        docs.add(node.get("text").asText());
      } else {
        docs.add(s);
      }
    }
    if (docs.isEmpty()) {
      throw new IOException("--corpus " + file + ": no documents (every line is blank)");
    }
    return docs;
  }
}
