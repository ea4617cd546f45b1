/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.experiments.secfpp.SecFppExperiment;
import io.persona4j.experiments.secfpp.SecFppMethod;
import io.persona4j.experiments.secfpp.SecFppPreset;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j fed experiment secfpp}: SecFPP vs local, FedAvg and DP prompts. */
@Command(
    name = "secfpp",
    mixinStandardHelpOptions = true,
    description = {
      "SecFPP experiment: soft prompts P_G + P_L on a frozen encoder over 20 clients (Amazon"
          + " fine-food reviews with Dirichlet label skew, MovieLens users); SecFPP vs local-only,"
          + " FedAvg on full prompts and DP-FedAvg prompts; writes results.json and results.md.",
      "The smoke preset runs in seconds on a tiny random BERT; standard needs --model (e.g. the"
          + " all-MiniLM-L6-v2 conversion from `model convert-onnx`)."
    })
final class FedSecFppCommand implements Callable<Integer> {
  @Option(
      names = "--preset",
      defaultValue = "smoke",
      description =
          "smoke, standard (review label skew and MovieLens settings) or domains (one federation"
              + " of 10 review and 10 MovieLens clients).")
  String preset;

  @Option(
      names = "--model",
      description = "Hugging Face BERT encoder directory (with tokenizer.json).")
  Path model;

  @Option(
      names = "--reviews",
      description =
          "Amazon fine-food reviews directory (default: amazon-food-reviews among the shared data"
              + " sets: $PERSONA4J_DATA, or ../shared/data beside the installation).")
  Path reviews;

  @Option(
      names = "--movielens",
      description = "MovieLens directory (default: movielens-small among the shared data sets).")
  Path movielens;

  @Option(names = "--out", description = "Output directory (default target/secfpp-<preset>).")
  Path out;

  @Option(names = "--seeds", description = "Number of seeds (1..N).")
  Integer seeds;

  @Option(names = "--rounds", description = "Federated rounds.")
  Integer rounds;

  @Option(names = "--local-steps", description = "Local steps per round.")
  Integer localSteps;

  @Option(names = "--train-per-client", description = "Training examples per client.")
  Integer trainPerClient;

  @Option(names = "--warmup-steps", description = "Local steps before SecFPP's clustering.")
  Integer warmupSteps;

  @Option(
      names = "--valid-per-client",
      description =
          "Validation examples per client (from the training source; 0: no validation split, as"
              + " the domains preset had before issue 17's sweep).")
  Integer validPerClient;

  @Option(names = "--lr", description = "AdamW learning rate of prompts and heads.")
  Double learningRate;

  @Option(names = "--virtual-tokens", description = "Soft prompt length.")
  Integer virtualTokens;

  @Option(
      names = "--cluster-restarts",
      description = "Initializations per k of SecFPP's secure clustering.")
  Integer clusterRestarts;

  @Option(
      names = "--cluster-iterations",
      description = "Largest number of Lloyd iterations per restart (each is two secure sums).")
  Integer clusterIterations;

  @Option(
      names = "--methods",
      split = ",",
      description =
          "Methods to run, of LOCAL,FEDAVG,DP,SECFPP,SECFPP_DATA (default: all); the MAJORITY"
              + " baseline always runs.")
  List<SecFppMethod> methods;

  @Option(
      names = "--previous",
      description =
          "results.json of an earlier run of the same preset and seeds, reported together with"
              + " this run (e.g. to add a method to a finished run).")
  Path previous;

  @Option(names = "--no-movielens", description = "Skip the MovieLens setting.")
  boolean noMovielens;

  @Option(
      names = "--update-docs",
      description =
          "Also copy results.json and results.md into the installation's docs/secfpp-<preset>/"
              + " (what the project publishes; off by default).")
  boolean updateDocs;

  @Override
  public Integer call() throws Exception {
    SecFppPreset p = SecFppPreset.named(preset);
    SecFppPreset.Builder b = p.toBuilder();
    if (trainPerClient != null) {
      b.optTrainPerClient(trainPerClient);
    }
    if (rounds != null) {
      b.optRounds(rounds);
    }
    if (localSteps != null) {
      b.optLocalSteps(localSteps);
    }
    if (warmupSteps != null) {
      b.optWarmupSteps(warmupSteps);
    }
    if (validPerClient != null) {
      b.optValidPerClient(validPerClient);
    }
    if (learningRate != null) {
      if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
        throw new IllegalArgumentException("--lr must be a finite number > 0, got " + learningRate);
      }
      b.optLearningRate(learningRate);
    }
    if (virtualTokens != null) {
      b.optVirtualTokens(virtualTokens);
    }
    if (seeds != null) {
      b.optSeeds(LongStream.rangeClosed(1, seeds).boxed().toList());
    }
    if (clusterRestarts != null) {
      b.optClusterRestarts(clusterRestarts);
    }
    if (clusterIterations != null) {
      b.optClusterIterations(clusterIterations);
    }
    if (noMovielens) {
      b.optMovielens(false);
    }
    p = b.build();
    Path reviewsDir = Installation.dataSet("--reviews", reviews, "amazon-food-reviews");
    Path movielensDir = Installation.dataSet("--movielens", movielens, RecCommand.DEFAULT_DATA);
    Path dir = out != null ? out : Path.of("target", "secfpp-" + p.name());
    if (model == null && !p.name().equals("smoke")) {
      throw new IllegalArgumentException(
          "--model is required for the " + p.name() + " preset (a BERT encoder directory)");
    }
    try (NDManager m = TensorRuntime.newManager();
        ExperimentEncoder enc = ExperimentEncoder.open(model, p.maxTokens(), m)) {
      SecFppExperiment e = new SecFppExperiment(p, enc.bert(), enc.text(), m, System.out);
      if (methods != null) {
        e.optMethods(EnumSet.copyOf(methods));
      }
      if (previous != null) {
        e.optPrevious(SecFppExperiment.readRuns(previous));
      }
      e.run(reviewsDir, movielensDir, dir);
    }
    System.out.println(
        "results: " + dir.resolve("results.md") + ", " + dir.resolve("results.json"));
    if (updateDocs) {
      System.out.println("updated " + Installation.publish(dir, "secfpp-" + p.name()));
    }
    return 0;
  }
}
