/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.experiments.steer.SteerExperiment;
import io.persona4j.experiments.steer.SteerPreset;
import io.persona4j.experiments.steer.SteerReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j steer experiment}: the CoSteer experiment on MovieLens and Amazon reviews. */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = {
      "Pre-train a cloud/device Llama pair with one shared tokenizer on text built from the data"
          + " (private context in some documents, not in others), then answer task 1 (MovieLens:"
          + " next liked movie, context = top-5 history items by all-MiniLM-L6-v2) and task 2"
          + " (Amazon reviews: style preference) with every row: cloud without context, device"
          + " with context, cloud with context (privacy-violating bound), CoSteer iterative, its"
          + " closed form, fixed c = 1, AdaCoSteer and the top-k wire variants; per seed.",
      "Writes results.json, results.md, predictions and charts into --out (default"
          + " target/steer-<preset>); docs/RESULTS.md only with --update-docs."
    })
final class SteerExperimentCommand implements Callable<Integer> {
  @Option(
      names = "--preset",
      defaultValue = "smoke",
      description =
          "smoke (minutes, CI) or standard (3 seeds, about an hour on the loaded 2-core machine).")
  String preset;

  @Option(
      names = "--movielens",
      defaultValue = "../shared/data/movielens-small",
      description = "MovieLens directory (default ${DEFAULT-VALUE}).")
  Path movielens;

  @Option(
      names = "--reviews",
      defaultValue = "../shared/data/amazon-food-reviews",
      description =
          "Amazon fine-food reviews directory, train.csv + test.csv (default ${DEFAULT-VALUE}).")
  Path reviews;

  @Option(
      names = "--retriever",
      description =
          "A converted all-MiniLM-L6-v2 directory (default: converted once from the Maven"
              + " artifact on the class path into --out/minilm).")
  Path retriever;

  @Option(
      names = "--out",
      description = "Work and output directory (default target/steer-<preset>).")
  Path out;

  @Option(
      names = "--update-docs",
      description =
          "Also replace this preset's section of the installation's docs/RESULTS.md and its charts"
              + " docs/steer-<preset>-*.png (what the project publishes; off by default).")
  boolean updateDocs;

  @Option(
      names = "--jobs",
      defaultValue = "1",
      description =
          "Seeds run at once, each on its own thread with its own pair of models and its own"
              + " outputs (default ${DEFAULT-VALUE}: one after another).")
  int jobs;

  @Option(names = "--seeds", description = "Override: number of seeds.")
  Integer seeds;

  @Option(names = "--eval-users", description = "Override: MovieLens test users.")
  Integer evalUsers;

  @Option(names = "--eval-reviews", description = "Override: test reviews per preference.")
  Integer evalReviews;

  @Override
  public Integer call() throws Exception {
    if (jobs < 1) {
      throw new IllegalArgumentException("--jobs must be >= 1 (seeds run at once), got " + jobs);
    }
    SteerPreset p = SteerPreset.named(preset);
    if (seeds != null) {
      p = p.withSeeds(seeds);
    }
    if (evalUsers != null || evalReviews != null) {
      p =
          p.withEval(
              evalUsers != null ? evalUsers : p.movieEvalUsers(),
              evalReviews != null ? evalReviews : p.reviewEvalPerPreference());
    }
    Path movielensDir = Installation.dataSet("--movielens", movielens, RecCommand.DEFAULT_DATA);
    Path reviewsDir = Installation.dataSet("--reviews", reviews, "amazon-food-reviews");
    Path dir = out != null ? out : Path.of("target", "steer-" + preset);
    Path section = updateDocs ? Installation.docs().resolve("RESULTS.md") : null;
    SteerExperiment.Outcome o =
        SteerExperiment.run(
            new SteerExperiment.Settings(
                p, movielensDir, reviewsDir, retriever, dir, System.err, jobs));
    String command =
        "bin/persona4j steer experiment --preset "
            + preset
            + (seeds != null ? " --seeds " + seeds : "")
            + (evalUsers != null ? " --eval-users " + evalUsers : "")
            + (evalReviews != null ? " --eval-reviews " + evalReviews : "")
            + (jobs != 1 ? " --jobs " + jobs : "")
            + (updateDocs ? " --update-docs" : "");
    SteerReport report = new SteerReport(o);
    String machine = RecCommand.Experiment.machine();
    String md = report.write(dir, command, machine);
    if (section != null) {
      report.writeSection(section, command, machine);
    }
    System.out.print(md);
    System.out.printf(
        "steer experiment %s: %.1f min; results in %s%s%n",
        preset,
        o.seconds() / 60,
        dir.resolve("results.md"),
        section == null ? "" : " and " + section);
    return 0;
  }
}
