/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.config.ModelConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.onnx.BertOnnxConverter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code persona4j model ...}: create and convert checkpoints. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Create and convert model checkpoints.",
    subcommands = {
      ModelCommand.Init.class,
      ModelCommand.ConvertOnnx.class,
      MiniLmCommand.class,
      PretrainCommand.class
    })
final class ModelCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description =
          "Create a random checkpoint in Hugging Face layout (config.json, model.safetensors,"
              + " tokenizer.json).")
  static final class Init implements Callable<Integer> {
    @Option(names = "--family", required = true, description = "llama, mistral, qwen2 or bert.")
    String family;

    @Mixin ModelShapeOptions shape = new ModelShapeOptions(2, 64, 4, 512);

    @ValidatedAs("intermediate_size")
    @Option(
        names = "--intermediate",
        defaultValue = "0",
        description = "MLP size; 0 = family default.")
    int intermediate;

    @ValidatedAs("max_position_embeddings")
    @Option(
        names = "--max-positions",
        defaultValue = "512",
        description = "Context length (default ${DEFAULT-VALUE}).")
    int maxPositions;

    @Option(
        names = "--dtype",
        defaultValue = "F32",
        description = "F32, F16 or BF16 (default ${DEFAULT-VALUE}).")
    DType dtype;

    @Option(
        names = "--std",
        defaultValue = "0.02",
        description = "Weight init std (default ${DEFAULT-VALUE}).")
    float std;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws Exception {
      ModelConfig config =
          switch (family) {
            case "llama", "mistral", "qwen2" ->
                ModelInit.decoderConfig(
                    family,
                    shape.layers,
                    shape.hidden,
                    shape.heads,
                    shape.kvHeads(),
                    shape.vocab,
                    intermediate,
                    maxPositions);
            case "bert" -> {
              if (shape.kvHeads() != shape.heads) {
                throw new IllegalArgumentException(
                    "--kv-heads: BERT has no grouped-query attention");
              }
              yield ModelInit.encoderConfig(
                  shape.layers, shape.hidden, shape.heads, shape.vocab, intermediate, maxPositions);
            }
            default ->
                throw new IllegalArgumentException(
                    "--family: '" + family + "' is not one of llama, mistral, qwen2, bert");
          };
      ModelInit.write(config, seed, std, dtype, out);
      System.err.printf("wrote %s model (%s) to %s%n", family, dtype, out);
      return 0;
    }
  }

  @Command(
      name = "convert-onnx",
      mixinStandardHelpOptions = true,
      description =
          "Convert a BERT-style ONNX export (e.g. all-MiniLM-L6-v2) into a Hugging Face directory"
              + " (config.json, model.safetensors, tokenizer.json).")
  static final class ConvertOnnx implements Callable<Integer> {
    @Option(names = "--onnx", required = true, description = "The .onnx file.")
    Path onnx;

    @Option(names = "--tokenizer", required = true, description = "Its tokenizer.json.")
    Path tokenizer;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws Exception {
      CliFiles.requireFile(onnx, "--onnx", "an ONNX file");
      CliFiles.requireFile(tokenizer, "--tokenizer", "a tokenizer.json");
      var importer = BertOnnxConverter.convert(onnx, tokenizer, out);
      System.err.printf(
          "converted %s (%d layers, hidden %d) to %s%n",
          onnx, importer.config().numHiddenLayers(), importer.config().hiddenSize(), out);
      return 0;
    }
  }
}
