/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfigs;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.PeftAdapterFiles;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.DatasetException;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.JsonlDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persona4j train}: fine-tunes a LoRA adapter on a decoder from a JSONL file. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune a LoRA adapter and save it in PEFT layout.",
      "Decoders (Llama family): rows {\"prompt\": ..., \"completion\": ...} (loss on the"
          + " completion only) or {\"text\": ...}.",
      "BERT encoders: rows {\"text\": ..., \"label\": 0 | \"name\"} train a sequence"
          + " classifier (LoRA + a head saved as modules_to_save, labels in classifier.json).",
      "--method plora: rows {\"text\", \"label\", \"user\"} train one shared LoRA conditioned on a"
          + " learned vector per user (PLoRA); classify --user, plora enrol.",
      "Writes the adapter, metrics.jsonl and loss.png into --out; --publish-to URL --user ID"
          + " also publishes the adapter to the adapter store."
    })
final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Hugging Face model directory.")
  Path model;

  @Option(names = "--data", required = true, description = "Training data, JSONL.")
  Path data;

  @Option(names = "--out", required = true, description = "Directory of the adapter and metrics.")
  Path out;

  @Option(names = "--eval-data", description = "Evaluation data, JSONL (same formats).")
  Path evalData;

  @Option(
      names = "--overwrite",
      description = "Replace an adapter already in --out (without it, train refuses).")
  boolean overwrite;

  @Mixin TrainOptions options;

  @Mixin PLoraOptions plora;

  @Mixin PublishToOption publishTo;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    checkOut();
    CliFiles.requireFile(data, "--data", "a JSONL file of training rows");
    if (evalData != null) {
      CliFiles.requireFile(evalData, "--eval-data", "a JSONL file of evaluation rows");
    }
    boolean encoder = ModelConfigs.load(model) instanceof BertConfig;
    if (plora.plora()) {
      TrainOptions.require(encoder, "--method", "plora", "needs a BERT encoder --model");
      if (publishTo.url != null) {
        throw new IllegalArgumentException(
            "--publish-to: train --method plora trains the shared adapter of every user; publish"
                + " one user's vector with persona4j plora enrol --publish-to URL --user ID");
      }
      return PLoraTrain.run(model, data, evalData, out, options, plora.config(options, spec));
    }
    List<String> misplaced = plora.misplaced(spec);
    if (!misplaced.isEmpty()) {
      throw new IllegalArgumentException(
          String.join(", ", misplaced) + ": PLoRA options; add --method plora");
    }
    publishTo.validate();
    if (encoder) {
      return trainClassifier();
    }
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        LoraModel lora = LoraModel.of(lm, m)) {
      options.validate(lm.config().maxPositionEmbeddings());
      List<Example> train = read(data, tok, options);
      List<Example> eval = evalData == null ? List.of() : read(evalData, tok, options);
      printCounts(train, eval);
      LoraFineTune.Task task =
          new LoraFineTune.Task(CausalLmObjective.of(lm), options.loraConfig(), Map.of());
      LoraFineTune.run(task, lora, options, train, eval, out).print(System.err);
    }
    return publishTo.publish(model, out);
  }

  /**
   * Refuses to replace an adapter in --out unless --overwrite (or --resume, which continues it).
   */
  private void checkOut() {
    if (overwrite || options.resume) {
      return;
    }
    for (String f : List.of(LoraConfigs.FILE_NAME, PeftAdapterFiles.WEIGHTS_FILE)) {
      if (Files.exists(out.resolve(f))) {
        throw new IllegalArgumentException(
            "--out "
                + out
                + " already holds an adapter ("
                + f
                + "); pass --overwrite to replace it, --resume to continue its run, or choose"
                + " another --out");
      }
    }
  }

  private int trainClassifier() throws IOException {
    ClassLabels labels = ClassLabels.scan(data, options.pooling.pooling);
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = BertModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        LoraModel lora = LoraModel.of(bert, m);
        ClassificationHead head =
            ClassificationHead.create(
                bert.config().hiddenSize(), labels.size(), 0.02f, options.seed, m)) {
      options.validate(bert.config().maxPositionEmbeddings());
      List<Example> train = readClassification(data, tok, options, labels);
      List<Example> eval =
          evalData == null ? List.of() : readClassification(evalData, tok, options, labels);
      printCounts(train, eval);
      System.err.printf(
          "classes (%d): %s; %s pooling%n", labels.size(), labels.names(), options.pooling);
      LoraFineTune.Task task = EncoderClassifier.task(bert, head, labels, options);
      LoraFineTune.Summary s = LoraFineTune.run(task, lora, options, train, eval, out);
      labels.write(out);
      s.print(System.err);
      System.err.println("labels: " + out.resolve(ClassLabels.FILE));
    }
    return publishTo.publish(model, out);
  }

  private void printCounts(List<Example> train, List<Example> eval) {
    System.err.printf(
        "train: %d examples from %s%s%n",
        train.size(), data, eval.isEmpty() ? "" : ", " + eval.size() + " from " + evalData);
  }

  /**
   * Reads a prompt/completion or text JSONL file, reporting skipped and truncated rows by line.
   *
   * @throws DatasetException naming the file (and line, field) for bad rows or a file without rows
   */
  static List<Example> read(Path file, Tokenizer tok, TrainOptions o) throws IOException {
    JsonlDataset d;
    try {
      d = load(file, tok, o, null);
    } catch (IOException e) {
      // String labels fail inside the reader; say what the rows are for, not how they failed.
      throw labelledRowsOnADecoder(file).orElse(e);
    }
    if (d.kind() == JsonlDataset.Kind.CLASSIFICATION) {
      throw labelledRowsOnADecoder(file).orElseThrow();
    }
    return d.examples();
  }

  /** The error for text/label rows given to a decoder, naming the first such line, if any. */
  private static Optional<IOException> labelledRowsOnADecoder(Path file) throws IOException {
    long labelled = ClassLabels.firstLabelledLine(file);
    return labelled == 0
        ? Optional.empty()
        : Optional.of(
            new DatasetException(
                file,
                labelled,
                "label",
                "text/label rows train a classifier, which needs a BERT encoder --model (this one"
                    + " is a decoder, which trains on prompt/completion or text rows)"));
  }

  /** Reads a text/label JSONL file with the classes of {@code labels}. */
  static List<Example> readClassification(
      Path file, Tokenizer tok, TrainOptions o, ClassLabels labels) throws IOException {
    JsonlDataset d = load(file, tok, o, labels);
    if (d.kind() != JsonlDataset.Kind.CLASSIFICATION) {
      throw new DatasetException(
          file,
          "has "
              + d.kind()
              + " rows; a BERT encoder trains a classifier on {\"text\", \"label\"} rows");
    }
    return d.examples();
  }

  private static JsonlDataset load(Path file, Tokenizer tok, TrainOptions o, ClassLabels labels)
      throws IOException {
    return load(file, tok, o, labels, false);
  }

  /** As above; with {@code users}, rows carry a {@code user} and other fields are refused. */
  static JsonlDataset load(
      Path file, Tokenizer tok, TrainOptions o, ClassLabels labels, boolean users)
      throws IOException {
    JsonlDataset d;
    try {
      JsonlDataset.Builder b =
          JsonlDataset.builder()
              .setFile(file)
              .setTokenizer(tok)
              .setMaxLength(o.maxLen)
              .optOnMalformed(o.onMalformed())
              .optOnOverlong(o.onOverlong())
              .optUsers(users);
      if (labels != null) {
        if (labels.numeric()) {
          b.optClasses(labels.size());
        } else {
          b.optLabelNames(labels.names());
        }
      }
      d = b.build();
    } catch (DatasetException e) {
      // The library's hints name its API; on the command line the options are what to change.
      String msg =
          e.getMessage()
              .replace("JsonlDataset.OnMalformed.SKIP", "--on-bad-row skip")
              .replace("JsonlDataset.OnOverlong.TRUNCATE", "--on-long truncate");
      throw new IOException(msg, e);
    }
    report(file, "skipped", d.malformed());
    report(file, "truncated to --max-len " + o.maxLen, d.truncated());
    return d;
  }

  private static void report(Path file, String what, List<JsonlDataset.Problem> problems) {
    if (problems.isEmpty()) {
      return;
    }
    System.err.printf("%s: %d rows %s%n", file, problems.size(), what);
    for (JsonlDataset.Problem p : problems.subList(0, Math.min(5, problems.size()))) {
      System.err.printf("  line %d: %s%n", p.line(), p.message());
    }
    if (problems.size() > 5) {
      System.err.printf("  ... and %d more%n", problems.size() - 5);
    }
  }
}
