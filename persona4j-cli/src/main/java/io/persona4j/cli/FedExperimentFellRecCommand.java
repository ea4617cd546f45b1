/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.experiments.fellrec.FellRecExperiment;
import io.persona4j.experiments.fellrec.FellRecPreset;
import io.persona4j.experiments.fellrec.FellRecResults;
import io.persona4j.experiments.fellrec.FellRecSweep;
import io.persona4j.experiments.fellrec.FellRecSweepReport;
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
      names = "--lr",
      description = "Override: the clients' constant AdamW learning rate (choose it with --sweep).")
  Double lr;

  @Option(
      names = "--local-steps",
      description = "Override: local steps per client per round (centralized: x clients).")
  Integer localSteps;

  @Option(
      names = "--temperature",
      description =
          "Override: the heating temperature of FELLREC_TUNED_TEMPERATURE (FELLREC keeps the"
              + " paper's 0.05).")
  Double temperature;

  @Option(
      names = "--sweep",
      description =
          "Choose lr, local steps and the heating temperature on VALIDATION data (seed 1, test"
              + " samples never read) instead of running the comparison: trains --methods"
              + " (default FEDAVG,LOCAL_ONLY) for every --sweep-lr x --sweep-steps, then"
              + " FELLREC_TUNED_TEMPERATURE for every --sweep-temperatures; writes sweep.md and"
              + " sweep.json into --out.")
  boolean sweep;

  @Option(
      names = "--sweep-lr",
      split = ",",
      defaultValue = "3e-3,1e-2,3e-2",
      description = "Learning rates of --sweep (default ${DEFAULT-VALUE}).")
  List<Double> sweepLr;

  @Option(
      names = "--sweep-steps",
      split = ",",
      defaultValue = "4,16",
      description = "Local steps per round of --sweep (default ${DEFAULT-VALUE}).")
  List<Integer> sweepSteps;

  @Option(
      names = "--sweep-temperatures",
      split = ",",
      defaultValue = "0.05,0.2,0.5,1.0",
      description = "Heating temperatures of --sweep (default ${DEFAULT-VALUE}).")
  List<Double> sweepTemperatures;

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
    if (lr != null) {
      TrainOptions.require(lr > 0 && Double.isFinite(lr), "--lr", lr, "must be finite and > 0");
    }
    if (localSteps != null) {
      TrainOptions.require(localSteps >= 1, "--local-steps", localSteps, "must be >= 1");
    }
    FellRecPreset p = b.build();
    if (lr != null || localSteps != null) {
      p =
          p.toBuilder()
              .setFinetune(
                  p.finetune().toBuilder()
                      .optLr(lr != null ? lr : p.finetune().lr())
                      .setSteps(localSteps != null ? localSteps : p.finetune().steps())
                      .build())
              .build();
    }
    if (temperature != null) {
      TrainOptions.require(
          temperature > 0 && Double.isFinite(temperature),
          "--temperature",
          temperature,
          "must be finite and > 0");
      p = p.toBuilder().optTunedTemperature(temperature).build();
    }
    return p;
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
    if (lr != null) {
      command.append(" --lr ").append(lr);
    }
    if (localSteps != null) {
      command.append(" --local-steps ").append(localSteps);
    }
    if (temperature != null) {
      command.append(" --temperature ").append(temperature);
    }
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
    if (sweep) {
      command
          .append(" --sweep --sweep-lr ")
          .append(join(sweepLr))
          .append(" --sweep-steps ")
          .append(join(sweepSteps))
          .append(" --sweep-temperatures ")
          .append(join(sweepTemperatures));
      List<Method> swept = methods != null ? methods : List.of(Method.FEDAVG, Method.LOCAL_ONLY);
      FellRecSweep.Result s =
          FellRecSweep.run(
              p,
              RecCommand.checkData(data),
              baseModel,
              w,
              sweepLr,
              sweepSteps,
              swept,
              sweepTemperatures,
              System.err::println);
      Path md = FellRecSweepReport.write(s, command.toString(), dir);
      System.out.print(FellRecSweepReport.markdown(s, command.toString()));
      System.out.printf("fed experiment fellrec --sweep: %.1f min; %s%n", s.seconds() / 60, md);
      return 0;
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

  private static String join(List<?> xs) {
    return String.join(",", xs.stream().map(String::valueOf).toList());
  }
}
