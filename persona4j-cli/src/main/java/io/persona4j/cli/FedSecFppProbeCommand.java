/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.experiments.secfpp.SecFppDriftProbe;
import io.persona4j.experiments.secfpp.SecFppPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j fed experiment secfpp-probe}: does SecFPP's warm-up drift carry the domain? */
@Command(
    name = "secfpp-probe",
    mixinStandardHelpOptions = true,
    description = {
      "Measures whether SecFPP's warm-up move of the domain prompt carries the clients' domains:"
          + " cosines of the moves within and between domains on the two-domain clients of one"
          + " seed, with per-client seeds (as shipped), one shared seed, and the same clients"
          + " reseeded; the data-embedding signal for reference. Training data only; writes"
          + " probe.md.",
      "Example: persona4j fed experiment secfpp-probe --preset domains --model target/minilm"
    })
final class FedSecFppProbeCommand implements Callable<Integer> {
  @Option(names = "--preset", defaultValue = "domains", description = "smoke or domains.")
  String preset;

  @Option(
      names = "--model",
      description = "Hugging Face BERT encoder directory (with tokenizer.json).")
  Path model;

  @Option(names = "--reviews", description = "Amazon fine-food reviews directory.")
  Path reviews;

  @Option(names = "--movielens", description = "MovieLens directory.")
  Path movielens;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the clients (default 1).")
  long seed;

  @Option(names = "--lr", description = "Learning rate (default: the preset's).")
  Double learningRate;

  @Option(names = "--warmup-steps", description = "Warm-up steps (default: the preset's).")
  Integer warmupSteps;

  @Option(names = "--out", description = "Output directory (default target/secfpp-probe).")
  Path out;

  @Override
  public Integer call() throws Exception {
    SecFppPreset.Builder b = SecFppPreset.named(preset).toBuilder();
    if (learningRate != null) {
      b.optLearningRate(learningRate);
    }
    if (warmupSteps != null) {
      b.optWarmupSteps(warmupSteps);
    }
    SecFppPreset p = b.build();
    if (model == null && !p.name().equals("smoke")) {
      throw new IllegalArgumentException(
          "--model is required for the " + p.name() + " preset (a BERT encoder directory)");
    }
    Path reviewsDir = Installation.dataSet("--reviews", reviews, "amazon-food-reviews");
    Path movielensDir = Installation.dataSet("--movielens", movielens, RecCommand.DEFAULT_DATA);
    Path dir = out != null ? out : Path.of("target", "secfpp-probe");
    List<SecFppDriftProbe.Row> rows;
    try (NDManager m = TensorRuntime.newManager();
        ExperimentEncoder enc = ExperimentEncoder.open(model, p.maxTokens(), m)) {
      rows = new SecFppDriftProbe(p, enc.bert(), enc.text(), m).run(reviewsDir, movielensDir, seed);
    }
    String md =
        String.format(
                Locale.ROOT,
                "seed %d, lr %s, %d warm-up steps%n%n",
                seed,
                p.learningRate(),
                p.warmupSteps())
            + SecFppDriftProbe.markdown(rows);
    Files.createDirectories(dir);
    AtomicFiles.writeString(dir.resolve("probe.md"), md);
    System.out.print(md);
    return 0;
  }
}
