package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.Runtime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.LlamaCheckpointWriter;
import io.persona4j.core.model.LlamaModel;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.LossPlot;
import io.persona4j.core.train.MetricsJsonl;
import io.persona4j.core.train.ProgressListener;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

  @Option(names = "--family", defaultValue = "llama", description = "llama, mistral or qwen2.")
  String family;

  @Option(names = "--layers", defaultValue = "4", description = "Layers (${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--hidden", defaultValue = "256", description = "Hidden (${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--heads", defaultValue = "4", description = "Heads (${DEFAULT-VALUE}).")
  int heads;

  @Option(names = "--kv-heads", description = "Key/value heads (default: = heads).")
  Integer kvHeads;

  @Option(names = "--vocab", defaultValue = "4096", description = "BPE vocab (${DEFAULT-VALUE}).")
  int vocab;

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

  @Option(names = "--lr", defaultValue = "1e-3", description = "Peak lr (${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--warmup-steps", defaultValue = "50", description = "(${DEFAULT-VALUE}).")
  long warmupSteps;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    TrainOptions.require(maxSteps >= 1, "--max-steps", maxSteps, "must be >= 1");
    TrainOptions.require(batchSize >= 1, "--batch-size", batchSize, "must be >= 1");
    TrainOptions.require(maxLen >= 8, "--max-len", maxLen, "must be >= 8");
    TrainOptions.require(lr > 0 && Double.isFinite(lr), "--lr", lr, "must be > 0");
    TrainOptions.require(
        warmupSteps >= 0 && warmupSteps <= maxSteps,
        "--warmup-steps",
        warmupSteps,
        "must be in [0, --max-steps]");
    List<String> docs = readCorpus(corpus);
    long start = System.nanoTime();
    LlamaConfig config =
        ModelInit.decoderConfig(
            family, layers, hidden, heads, kvHeads == null ? heads : kvHeads, vocab, 0, maxLen);
    ModelInit.write(config, seed, 0.02f, DType.F32, out);
    TokenizerJsonWriter.writeByteLevelBpe(
        out.resolve("tokenizer.json"), vocab, docs, specialTokens);
    System.err.printf(
        "pretrain: %d documents from %s; tokenizer (%d tokens) learned in %.1f s%n",
        docs.size(), corpus, vocab, (System.nanoTime() - start) / 1e9);
    try (NDManager m = Runtime.newManager();
        LlamaModel lm = LlamaModel.load(out, m);
        Tokenizer tok = Tokenizer.fromDirectory(out)) {
      List<Example> windows = windows(tok, docs, maxLen);
      long tokens = windows.stream().mapToLong(e -> e.ids().length).sum();
      System.err.printf(
          "pretrain: %s, %d layers, hidden %d, %,d parameters; %,d tokens in %d windows of <= %d;"
              + " %d steps of %d (%.2f epochs)%n",
          family,
          layers,
          hidden,
          config.parameterCount(),
          tokens,
          windows.size(),
          maxLen,
          maxSteps,
          batchSize,
          (double) maxSteps * batchSize / windows.size());
      TrainingResult r;
      try (AdamW opt = AdamW.builder().optWeightDecay(0.01).build();
          Trainer trainer =
              Trainer.builder()
                  .setParameters(TrainableParameters.allOf(lm))
                  .setObjective(CausalLmObjective.of(lm))
                  .setOptimizer(opt)
                  .setSchedule(LearningRateSchedule.warmupCosine(lr, warmupSteps, maxSteps))
                  .setTrainData(windows)
                  .setMaxSteps(maxSteps)
                  .optMicroBatchSize(batchSize)
                  .optMaxGradNorm(1.0)
                  .optSeed(seed)
                  .optPadId(config.padTokenId() == null ? 0 : config.padTokenId())
                  .addListener(ProgressListener.auto(10))
                  .addListener(new MetricsJsonl(out.resolve("metrics.jsonl")))
                  .addListener(new LossPlot(out.resolve("loss.png")))
                  .build()) {
        r = trainer.train();
      }
      LlamaCheckpointWriter.save(lm, out);
      double[] losses = r.losses();
      writeProvenance(losses);
      System.err.printf(
          "pretrained %d steps in %.1f s: loss %.4f -> %.4f; model in %s%n",
          r.steps(), (System.nanoTime() - start) / 1e9, losses[0], losses[losses.length - 1], out);
    }
    return 0;
  }

  /** Documents: non-blank lines of a text file, or the {@code text} fields of a JSONL file. */
  static List<String> readCorpus(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("--corpus " + file + ": no such file");
    }
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

  /** Each document as BOS ids EOS, cut into consecutive windows of at most {@code maxLen}. */
  static List<Example> windows(Tokenizer tok, List<String> docs, int maxLen) {
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

  private void writeProvenance(double[] losses) throws IOException {
    var root = new ObjectMapper().createObjectNode();
    root.put("format_version", 1);
    root.put("corpus", corpus.toString());
    root.put("steps", losses.length);
    root.put("batch_size", batchSize);
    root.put("max_len", maxLen);
    root.put("lr", lr);
    root.put("seed", seed);
    root.put("first_loss", losses[0]);
    root.put("final_loss", losses[losses.length - 1]);
    root.put("code_version", io.persona4j.core.model.Provenance.codeVersion());
    Files.writeString(
        out.resolve("pretraining.json"),
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }
}
