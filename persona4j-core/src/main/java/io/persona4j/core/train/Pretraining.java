/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.DType;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaCheckpointWriter;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pre-training of a small Llama-family decoder from scratch on a corpus (full-parameter training):
 * a byte-level BPE tokenizer learned from the documents (with extra special tokens reserved),
 * random initialization, causal language modeling on windows of {@code maxLen} tokens (each
 * document is BOS ... EOS), then the model in Hugging Face layout in {@code out}: {@code
 * config.json}, {@code model.safetensors}, {@code tokenizer.json}, {@code metrics.jsonl}, {@code
 * loss.png} and {@code pretraining.json} (settings, losses, code version).
 */
public final class Pretraining {
  /**
   * Settings of a run.
   *
   * @param family llama, mistral or qwen2
   * @param kvHeads key/value heads (GQA), at most {@code heads}
   * @param vocab vocabulary size of the learned tokenizer
   * @param specialTokens extra single-token specials (e.g. placeholders for item embeddings)
   * @param maxLen window length and the model's {@code max_position_embeddings}
   */
  public record Config(
      String family,
      int layers,
      int hidden,
      int heads,
      int kvHeads,
      int vocab,
      List<String> specialTokens,
      int maxLen,
      long maxSteps,
      int batchSize,
      double lr,
      long warmupSteps,
      long seed) {
    public Config {
      specialTokens = List.copyOf(specialTokens);
      require(List.of("llama", "mistral", "qwen2").contains(family), "family", family);
      require(layers >= 1, "layers", layers);
      require(
          hidden >= 8 && heads >= 1 && hidden % heads == 0, "hidden/heads", hidden + "/" + heads);
      require(kvHeads >= 1 && heads % kvHeads == 0, "kvHeads", kvHeads);
      require(maxLen >= 8, "maxLen", maxLen);
      require(maxSteps >= 1, "maxSteps", maxSteps);
      require(batchSize >= 1, "batchSize", batchSize);
      require(lr > 0 && Double.isFinite(lr), "lr", lr);
      require(warmupSteps >= 0 && warmupSteps <= maxSteps, "warmupSteps", warmupSteps);
    }

    private static void require(boolean ok, String field, Object value) {
      if (!ok) {
        throw new IllegalArgumentException("pretraining config: invalid " + field + " " + value);
      }
    }
  }

  /**
   * A document of the corpus: plain text learned on every token ({@code completion} null), or a
   * context followed by a completion where only the completion (and EOS) is learned, as in
   * instruction data.
   *
   * @param text the whole document, or the context of a completion
   * @param completion the learned continuation of {@code text}, or null
   */
  public record Document(String text, String completion) {
    public Document {
      if (text == null) {
        throw new IllegalArgumentException("a document needs text");
      }
      if (completion != null && completion.isEmpty()) {
        throw new IllegalArgumentException("empty completion (use null for a plain document)");
      }
    }

    /** A plain document, every token learned. */
    public static Document plain(String text) {
      return new Document(text, null);
    }

    /** The whole text (context and completion). */
    public String fullText() {
      return completion == null ? text : text + completion;
    }
  }

  /** What a run did. */
  public record Result(
      long steps, double firstLoss, double finalLoss, long tokens, int windows, double seconds) {}

  private Pretraining() {}

  /**
   * Runs {@code config} on {@code documents}, writing the model into {@code out}.
   *
   * @param listeners extra listeners (e.g. a progress bar)
   */
  public static Result run(
      Config config, List<String> documents, Path out, List<TrainingListener> listeners)
      throws IOException {
    return runDocuments(config, documents.stream().map(Document::plain).toList(), out, listeners);
  }

  /**
   * As {@link #run(Config, List, Path, List)} on documents that may be context + completion pairs:
   * the tokenizer is learned from their whole text; a completion document longer than {@code
   * maxLen} is skipped (counted in {@code pretraining.json} as {@code skipped}), since cutting it
   * would separate the completion from its context.
   */
  public static Result runDocuments(
      Config config, List<Document> documents, Path out, List<TrainingListener> listeners)
      throws IOException {
    if (documents.isEmpty()) {
      throw new IllegalArgumentException("pretraining needs at least one document");
    }
    long start = System.nanoTime();
    LlamaConfig lc =
        ModelInit.decoderConfig(
            config.family(),
            config.layers(),
            config.hidden(),
            config.heads(),
            config.kvHeads(),
            config.vocab(),
            0,
            config.maxLen());
    ModelInit.write(lc, config.seed(), 0.02f, DType.F32, out);
    TokenizerJsonWriter.writeByteLevelBpe(
        out.resolve("tokenizer.json"),
        config.vocab(),
        documents.stream().map(Document::fullText).toList(),
        config.specialTokens());
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(out, m);
        Tokenizer tok = Tokenizer.fromDirectory(out)) {
      List<Document> plain = documents.stream().filter(d -> d.completion() == null).toList();
      List<Example> windows =
          new ArrayList<>(
              windows(tok, plain.stream().map(Document::text).toList(), config.maxLen()));
      List<Document> pairs = documents.stream().filter(d -> d.completion() != null).toList();
      List<Example> completions = completions(tok, pairs, config.maxLen());
      int skipped = pairs.size() - completions.size();
      windows.addAll(completions);
      long tokens = windows.stream().mapToLong(e -> e.ids().length).sum();
      Trainer.Builder b =
          Trainer.builder()
              .setParameters(TrainableParameters.allOf(lm))
              .setObjective(CausalLmObjective.of(lm))
              .setSchedule(
                  LearningRateSchedule.warmupCosine(
                      config.lr(), config.warmupSteps(), config.maxSteps()))
              .setTrainData(windows)
              .setMaxSteps(config.maxSteps())
              .optMicroBatchSize(config.batchSize())
              .optMaxGradNorm(1.0)
              .optSeed(config.seed())
              .optPadId(lc.padTokenId() == null ? 0 : lc.padTokenId())
              .addListener(new MetricsJsonl(out.resolve("metrics.jsonl")))
              .addListener(new LossPlot(out.resolve("loss.png")));
      listeners.forEach(b::addListener);
      TrainingResult r;
      try (AdamW opt = AdamW.builder().optWeightDecay(0.01).build();
          Trainer trainer = b.setOptimizer(opt).build()) {
        r = trainer.train();
      }
      LlamaCheckpointWriter.save(lm, out);
      double[] losses = r.losses();
      Result result =
          new Result(
              r.steps(),
              losses[0],
              losses[losses.length - 1],
              tokens,
              windows.size(),
              (System.nanoTime() - start) / 1e9);
      writeProvenance(config, result, pairs.size() - skipped, skipped, out);
      return result;
    }
  }

  /** Each document as BOS ids EOS, cut into consecutive windows of at most {@code maxLen}. */
  public static List<Example> windows(Tokenizer tok, List<String> docs, int maxLen) {
    long[] eos = tok.eosIds();
    List<Example> out = new ArrayList<>();
    for (long[] ids : tok.encodeAll(docs, true)) {
      long[] doc = eos.length == 0 ? ids : Arrays.copyOf(ids, ids.length + 1);
      if (eos.length > 0) {
        doc[ids.length] = eos[0];
      }
      for (int from = 0; from < doc.length; from += maxLen) {
        long[] w = Arrays.copyOfRange(doc, from, Math.min(doc.length, from + maxLen));
        if (w.length >= 2) {
          out.add(Example.text(w));
        }
      }
    }
    return out;
  }

  /**
   * Each context + completion as BOS context completion EOS with only the completion and EOS
   * learned; those longer than {@code maxLen} are left out.
   */
  public static List<Example> completions(Tokenizer tok, List<Document> docs, int maxLen) {
    long[] eos = tok.eosIds();
    List<long[]> contexts = tok.encodeAll(docs.stream().map(Document::text).toList(), true);
    List<long[]> answers = tok.encodeAll(docs.stream().map(Document::completion).toList(), false);
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      long[] a = answers.get(i);
      long[] done = eos.length == 0 ? a : Arrays.copyOf(a, a.length + 1);
      if (eos.length > 0) {
        done[a.length] = eos[0];
      }
      if (done.length > 0 && contexts.get(i).length + done.length <= maxLen) {
        out.add(Example.completion(contexts.get(i), done));
      }
    }
    return out;
  }

  private static void writeProvenance(Config c, Result r, int completionDocs, int skipped, Path out)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.valueToTree(c);
    FormatVersion.stamp(root, 1);
    root.put("steps", r.steps());
    root.put("first_loss", r.firstLoss());
    root.put("final_loss", r.finalLoss());
    root.put("tokens", r.tokens());
    root.put("windows", r.windows());
    root.put("completion_documents", completionDocs);
    root.put("skipped", skipped);
    root.put("seconds", r.seconds());
    AtomicFiles.write(
        out.resolve("pretraining.json"),
        json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }
}
