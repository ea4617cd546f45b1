/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.experiments.secfpp.SecFppPreset;
import io.persona4j.experiments.secfpp.SecFppSweep;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j fed experiment secfpp-sweep}: the prompt methods' training on validation. */
@Command(
    name = "secfpp-sweep",
    mixinStandardHelpOptions = true,
    description = {
      "Chooses the SecFPP experiment's learning rate, local steps and rounds on validation data:"
          + " local-only and FedAvg prompt training on the two-domain federation of the first seed,"
          + " each client evaluated on its validation split (drawn from the training source,"
          + " never the test split) after every round; writes sweep.md and sweep.json.",
      "Example: persona4j fed experiment secfpp-sweep --preset domains --model target/minilm"
          + " --lrs 0.05,0.01,0.002 --local-steps 4,8 --max-steps 16"
    })
final class FedSecFppSweepCommand implements Callable<Integer> {
  @Option(
      names = "--preset",
      defaultValue = "domains",
      description = "smoke or domains (a preset with a validation split).")
  String preset;

  @Option(
      names = "--model",
      description = "Hugging Face BERT encoder directory (with tokenizer.json).")
  Path model;

  @Option(names = "--reviews", description = "Amazon fine-food reviews directory.")
  Path reviews;

  @Option(names = "--movielens", description = "MovieLens directory.")
  Path movielens;

  @Option(names = "--out", description = "Output directory (default target/secfpp-sweep).")
  Path out;

  @Option(
      names = "--lrs",
      split = ",",
      defaultValue = "0.05,0.01,0.002",
      description = "Learning rates to try (default ${DEFAULT-VALUE}).")
  List<Double> lrs;

  @Option(
      names = "--local-steps",
      split = ",",
      defaultValue = "4,8",
      description = "Local steps per round to try (default ${DEFAULT-VALUE}).")
  List<Integer> localSteps;

  @Option(
      names = "--max-steps",
      defaultValue = "16",
      description = "Local steps per client each run goes up to (default ${DEFAULT-VALUE}).")
  int maxSteps;

  @Override
  public Integer call() throws Exception {
    SecFppPreset p = SecFppPreset.named(preset);
    Path reviewsDir = Installation.dataSet("--reviews", reviews, "amazon-food-reviews");
    Path movielensDir = Installation.dataSet("--movielens", movielens, RecCommand.DEFAULT_DATA);
    Path dir = out != null ? out : Path.of("target", "secfpp-sweep");
    if (model == null && !p.name().equals("smoke")) {
      throw new IllegalArgumentException(
          "--model is required for the " + p.name() + " preset (a BERT encoder directory)");
    }
    for (double lr : lrs) {
      if (!(lr > 0)) {
        throw new IllegalArgumentException("--lrs: every learning rate must be > 0, got " + lr);
      }
    }
    for (int s : localSteps) {
      if (s < 1) {
        throw new IllegalArgumentException("--local-steps: every value must be >= 1, got " + s);
      }
    }
    try (NDManager m = TensorRuntime.newManager();
        ExperimentEncoder enc = ExperimentEncoder.open(model, p.maxTokens(), m)) {
      new SecFppSweep(p, enc.bert(), enc.text(), m, System.out)
          .run(reviewsDir, movielensDir, lrs, localSteps, maxSteps, dir);
    }
    System.out.println("sweep: " + dir.resolve("sweep.md") + ", " + dir.resolve("sweep.json"));
    return 0;
  }
}
