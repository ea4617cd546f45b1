/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.experiments.fellrec.FellRecExperiment;
import io.persona4j.experiments.fellrec.FellRecPreset;
import io.persona4j.experiments.fellrec.FellRecResults;
import io.persona4j.experiments.fellrec.Method;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j fed experiment fellrec}: the FELLRec comparison on MovieLens. */
@Command(
    name = "fellrec",
    mixinStandardHelpOptions = true,
    description = {
      "Federated LLM recommendation (FELLRec) on MovieLens: users in K-means clients, one frozen"
          + " base model pre-trained here, a LoRA per client; local-only, FedAvg-LoRA,"
          + " FedProx-LoRA, FELLRec (and its ablations in the tastes presets) and centralized LoRA"
          + " on every seed; candidate HR@1 and"
          + " full-ranking Recall/NDCG@10 per client; writes results.json, results.md,"
          + " curves.png, hr1.png and ndcg10.png into --out."
    })
final class FedExperimentFellRecCommand implements Callable<Integer> {
  @Option(
      names = "--preset",
      defaultValue = "smoke",
      description =
          "smoke (under a minute, CI), standard (about 40 min on 2 cores), tastes (clients of"
              + " different tastes + a noisy client, FELLRec ablations, paired CIs per client;"
              + " about an hour on 2 quiet cores) or tastes-smoke (CI).")
  String preset;

  @Option(names = "--data", description = RecCommand.DATA_HELP)
  Path data;

  @Option(names = "--out", description = "Results directory (default target/fellrec-<preset>).")
  Path out;

  @Option(names = "--work", description = "SASRec and base model (default <out>/work).")
  Path work;

  @Option(
      names = "--update-docs",
      description =
          "Also copy the results (json, md, png) into the installation's"
              + " docs/fellrec-<preset>/ (what the project publishes; off by default).")
  boolean updateDocs;

  @Option(
      names = "--base-model",
      description = "Use this HF Llama/Qwen2 directory as the frozen base instead of pre-training.")
  Path baseModel;

  @Option(names = "--seeds", description = "Override: number of seeds (1, 2, ...).")
  Integer seeds;

  @Option(names = "--rounds", description = "Override: federated rounds.")
  Integer rounds;

  @Option(
      names = "--eval-users",
      description = "Override: test (and validation) users per client, 0 for all.")
  Integer evalUsers;

  @Option(
      names = "--methods",
      split = ",",
      description = "Override: methods to run, of ${COMPLETION-CANDIDATES}.")
  List<Method> methods;

  @Option(
      names = "--publish-to",
      paramLabel = "URL",
      description =
          "Publish FELLRec's personalized adapters to this adapter store, one per client (user id"
              + " = client id), source: federated run fellrec-<preset>-seed-<s> and its last"
              + " round; every seed adds a version.")
  String publishTo;

  /** The preset with the command line's overrides. */
  FellRecPreset resolve() {
    FellRecPreset.Builder b = FellRecPreset.byName(preset).toBuilder();
    if (seeds != null) {
      TrainOptions.require(seeds >= 1, "--seeds", seeds, "must be >= 1");
      b.optSeeds(LongStream.rangeClosed(1, seeds).boxed().toList());
    }
    if (rounds != null) {
      TrainOptions.require(rounds >= 1, "--rounds", rounds, "must be >= 1");
      b.optRounds(rounds);
    }
    if (evalUsers != null) {
      TrainOptions.require(evalUsers >= 0, "--eval-users", evalUsers, "must be >= 0");
      b.optEvalUsersPerClient(evalUsers);
    }
    return b.build();
  }

  /**
   * Writes the methods and seeds finished so far (overwritten after the next method and by the
   * final results).
   */
  private static void writePartial(FellRecExperiment.Report partial, String command, Path dir) {
    try {
      String done =
          partial.results().stream()
              .map(m -> m.method().name() + " x" + m.hr1().size())
              .collect(java.util.stream.Collectors.joining(", "));
      FellRecResults.write(partial, command + " (partial: finished " + done + ")", dir);
      System.err.println("partial results (" + done + ") written to " + dir);
    } catch (IOException e) {
      throw new UncheckedIOException("writing partial results into " + dir, e);
    }
  }

  @Override
  public Integer call() throws IOException {
    FellRecPreset p = resolve();
    Path dir = out != null ? out : Path.of("target", "fellrec-" + preset);
    Path w = work != null ? work : dir.resolve("work");
    List<Method> ms = methods != null ? methods : p.methods();
    if (publishTo != null && !ms.contains(Method.FELLREC)) {
      throw new IllegalArgumentException(
          "--publish-to publishes FELLRec's personalized adapters: --methods must include FELLREC");
    }
    StringBuilder command =
        new StringBuilder("bin/persona4j fed experiment fellrec --preset ").append(preset);
    if (seeds != null) {
      command.append(" --seeds ").append(seeds);
    }
    if (rounds != null) {
      command.append(" --rounds ").append(rounds);
    }
    if (evalUsers != null) {
      command.append(" --eval-users ").append(evalUsers);
    }
    if (methods != null) {
      command
          .append(" --methods ")
          .append(String.join(",", methods.stream().map(Method::name).toList()));
    }
    if (baseModel != null) {
      command.append(" --base-model ").append(baseModel);
    }
    FellRecExperiment.Report r =
        FellRecExperiment.run(
            p,
            RecCommand.checkData(data),
            baseModel,
            w,
            ms,
            System.err::println,
            publishTo == null ? null : new FellRecPublisher(publishTo, preset),
            partial -> writePartial(partial, command.toString(), dir));
    FellRecResults.Written files = FellRecResults.write(r, command.toString(), dir);
    System.out.print(FellRecResults.markdown(r, command.toString()));
    System.out.printf(
        "fed experiment fellrec %s: %.1f min; %s, %s, %s%n",
        preset, r.seconds() / 60, files.markdown(), files.json(), files.curves());
    if (updateDocs) {
      System.out.println("updated " + Installation.publish(dir, "fellrec-" + preset));
    }
    return 0;
  }
}
