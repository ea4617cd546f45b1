package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.Runtime;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.LlamaModel;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code persona4j demo}: the main job on an embedded default. For now it creates a tiny random
 * Llama checkpoint, loads it back through the real loaders and generates from it.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Create a tiny model, load it and generate from it, printing tokens/s.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--dir",
      defaultValue = "target/demo-model",
      description = "Where the tiny model goes (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--prompt",
      defaultValue = "The quick brown fox",
      description = "Prompt (default: ${DEFAULT-VALUE}).")
  String prompt;

  @Option(
      names = "--batch",
      defaultValue = "4",
      description = "Also generate for a batch of this many prompts (default ${DEFAULT-VALUE}).")
  int batch;

  @Mixin SamplingOptions sampling;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(dir.resolve("config.json"))) {
      System.err.println("demo: creating a tiny random Llama checkpoint in " + dir);
      ModelInit.write(
          ModelInit.decoderConfig("llama", 4, 256, 8, 4, 2048, 0, 512), 42, 0.05f, DType.F32, dir);
    }
    try (NDManager m = Runtime.newManager();
        LlamaModel lm = LlamaModel.load(dir, m);
        Tokenizer tok = Tokenizer.fromDirectory(dir)) {
      System.err.printf(
          "demo: %s model, %d layers, hidden %d, %,d parameters (random weights: the text is"
              + " noise; this exercises loading, tokenization, KV-cache decoding and sampling)%n",
          lm.config().modelType(),
          lm.config().numHiddenLayers(),
          lm.config().hiddenSize(),
          lm.config().parameterCount());
      GenerationResult one = GenerateCommand.run(lm, tok, List.of(prompt), sampling, System.out);
      GenerateCommand.printStats(one, System.err);
      if (batch > 1) {
        List<String> prompts =
            java.util.stream.IntStream.range(0, batch)
                .mapToObj(i -> i == 0 ? prompt : prompt + " " + "and more ".repeat(i))
                .toList();
        GenerationResult many = GenerateCommand.run(lm, tok, prompts, sampling, System.out);
        System.err.print("batch of " + batch + ": ");
        GenerateCommand.printStats(many, System.err);
      }
    }
    return 0;
  }
}
