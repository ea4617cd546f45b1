package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.Runtime;
import io.persona4j.core.model.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.DatasetException;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.JsonlDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code persona4j train}: fine-tunes a LoRA adapter on a decoder from a JSONL file. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune a LoRA adapter on a decoder (Llama family) and save it in PEFT layout.",
      "Rows are {\"prompt\": ..., \"completion\": ...} (loss on the completion only) or"
          + " {\"text\": ...}. Writes the adapter, metrics.jsonl and loss.png into --out."
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

  @Mixin TrainOptions options;

  @Override
  public Integer call() throws Exception {
    try (NDManager m = Runtime.newManager();
        LlamaModel lm = LlamaModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        LoraModel lora = LoraModel.of(lm, m)) {
      options.validate(lm.config().maxPositionEmbeddings());
      List<Example> train = read(data, tok, options);
      List<Example> eval = evalData == null ? List.of() : read(evalData, tok, options);
      System.err.printf(
          "train: %d examples from %s%s%n",
          train.size(), data, eval.isEmpty() ? "" : ", " + eval.size() + " from " + evalData);
      LoraFineTune.Summary s = LoraFineTune.run(lm, lora, options, train, eval, out, 10);
      s.print(System.err);
    }
    return 0;
  }

  /**
   * Reads a prompt/completion or text JSONL file, reporting skipped and truncated rows by line.
   *
   * @throws DatasetException naming the file (and line, field) for bad rows or a file without rows
   */
  static List<Example> read(Path file, Tokenizer tok, TrainOptions o) throws IOException {
    JsonlDataset d;
    try {
      d =
          JsonlDataset.builder()
              .setFile(file)
              .setTokenizer(tok)
              .setMaxLength(o.maxLen)
              .optOnMalformed(o.onMalformed())
              .optOnOverlong(o.onOverlong())
              .build();
    } catch (DatasetException e) {
      // The library's hints name its API; on the command line the options are what to change.
      String msg =
          e.getMessage()
              .replace("JsonlDataset.OnMalformed.SKIP", "--on-bad-row skip")
              .replace("JsonlDataset.OnOverlong.TRUNCATE", "--on-long truncate");
      throw new IOException(msg, e);
    }
    if (d.kind() == JsonlDataset.Kind.CLASSIFICATION) {
      throw new DatasetException(
          file, "has text/label rows; train expects prompt/completion or text rows");
    }
    report(file, "skipped", d.malformed());
    report(file, "truncated to --max-len " + o.maxLen, d.truncated());
    return d.examples();
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
