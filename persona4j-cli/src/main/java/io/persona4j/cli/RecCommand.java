/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.train.ProgressListener;
import io.persona4j.experiments.common.HistoryCorpus;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.experiments.rec.RecExperiment;
import io.persona4j.experiments.rec.RecPreset;
import io.persona4j.experiments.rec.ResultsWriter;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.InteractionDataset;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j rec ...}: sequential recommendation (popularity, SASRec, LLaRA, iLoRA). */
@Command(
    name = "rec",
    mixinStandardHelpOptions = true,
    description = "Sequential recommendation with LLMs: data preparation and experiments.",
    subcommands = {
      RecCommand.Prepare.class,
      RecTrainCommand.class,
      RecEvalCommand.class,
      RecCommand.Experiment.class,
      RecBaseCommand.class
    })
final class RecCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The default data set: MovieLens latest-small among the shared data sets. */
  static final String DEFAULT_DATA = "movielens-small";

  /** Help text of a {@code --data} option defaulting to {@link #DEFAULT_DATA}. */
  static final String DATA_HELP =
      "Data set directory (default: movielens-small among the shared data sets: $PERSONA4J_DATA,"
          + " or ../shared/data beside the installation).";

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code data}, or the default data set when none was given; errors list the paths tried. */
  static Path checkData(Path data) {
    return Installation.dataSet("--data", data, DEFAULT_DATA);
  }

  @Command(
      name = "prepare",
      mixinStandardHelpOptions = true,
      description = {
        "Load and validate a data set (layout detected), print its summary, and write the LLaRA"
            + " split with fixed 20-item candidate sets (train/valid/test JSONL) and the base"
            + " model's pre-training corpus into --out."
      })
  static final class Prepare implements Callable<Integer> {
    @Option(names = "--data", description = DATA_HELP)
    Path data;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--max-users", defaultValue = "0", description = "Sample users (0: all).")
    int maxUsers;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of samples/candidates.")
    long seed;

    @Override
    public Integer call() throws IOException {
      InteractionDataset ds = InteractionDataset.load(checkData(data));
      System.out.println(ds.summary());
      PreparedData p = PreparedData.of(ds, maxUsers, 0, seed);
      Files.createDirectories(out);
      write(out.resolve("train.jsonl"), p.trainLlm());
      write(out.resolve("valid.jsonl"), p.valid());
      write(out.resolve("test.jsonl"), p.test());
      List<String> docs = HistoryCorpus.documents(p.trainSequences(), p.catalog(), 20);
      Files.write(out.resolve("corpus.txt"), docs, StandardCharsets.UTF_8);
      System.out.printf(
          "users %d: %d train, %d valid, %d test examples; %d corpus documents; in %s%n",
          p.users().length,
          p.trainLlm().size(),
          p.valid().size(),
          p.test().size(),
          docs.size(),
          out);
      return 0;
    }

    private static void write(Path file, List<CandidateExample> examples) throws IOException {
      try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (CandidateExample c : examples) {
          var node = Json.MAPPER.createObjectNode();
          node.put("user", c.example().user());
          node.set("history", Json.MAPPER.valueToTree(c.example().history()));
          node.put("target", c.example().target());
          node.set("candidates", Json.MAPPER.valueToTree(c.candidates()));
          w.write(node.toString());
          w.newLine();
        }
      }
    }
  }

  @Command(
      name = "experiment",
      mixinStandardHelpOptions = true,
      description = {
        "Run a named experiment end to end: popularity, SASRec, then a small Llama pre-trained on"
            + " the training users' histories and fine-tuned with LLaRA-LoRA and iLoRA (K = 2, 4,"
            + " 8; random gate), each on every seed; writes results.json, results.md and a chart"
            + " into --out (docs/RESULTS.md only with --update-docs)."
      })
  static final class Experiment implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--preset",
        defaultValue = "smoke",
        description =
            "smoke (minutes, CI), standard (about an hour on 2 cores), grouped (users in 4"
                + " behaviour groups; LoRA vs iLoRA K=4 vs random gate, checkpoint selection,"
                + " all test users) or grouped-smoke (its CI variant).")
    String preset;

    @Option(names = "--data", description = DATA_HELP)
    Path data;

    @Option(
        names = {"--out", "--work"},
        description =
            "Output directory: models, adapters, results.json, results.md and the chart"
                + " (default target/rec-<preset>).")
    Path out;

    @Option(
        names = "--update-docs",
        description =
            "Also replace this preset's section of the installation's docs/RESULTS.md and its"
                + " docs/rec-<preset>.png (what the project publishes; off by default).")
    boolean updateDocs;

    @Option(
        names = "--base-model",
        description =
            "Use this HF Llama/Qwen2 directory as the base model instead of pre-training one; its"
                + " tokenizer needs [HistoryEmb] and [CansEmb] as single tokens.")
    Path baseModel;

    @Option(names = "--seeds", description = "Override: number of seeds (1, 2, ...).")
    Integer seeds;

    @Option(names = "--max-users", description = "Override: sample this many users (0: all).")
    Integer maxUsers;

    @Option(names = "--eval-users", description = "Override: test users of the LLM methods.")
    Integer evalUsers;

    @Option(names = "--base-steps", description = "Override: base model pre-training steps.")
    Long baseSteps;

    @Option(names = "--finetune-steps", description = "Override: adapter fine-tuning steps.")
    Long finetuneSteps;

    @Option(
        names = "--valid-users",
        description = "Override: validation users of the checkpoint selection (0: all).")
    Integer validUsers;

    @Option(
        names = "--checks",
        description =
            "Override: validation checks during fine-tuning (the best by validation HR x"
                + " ValidRatio is tested; 0: the final weights).")
    Integer checks;

    @Option(
        names = "--methods",
        split = ",",
        description = "Override: LLM methods by index in the preset's list (0 = LLaRA-LoRA).")
    List<Integer> methods;

    /** The preset with the command line's overrides. */
    RecPreset resolve() {
      RecPreset p = RecPreset.byName(preset);
      RecPreset.Builder b = p.toBuilder();
      if (baseSteps != null) {
        b.setBase(p.base().toBuilder().setSteps(baseSteps).build());
      }
      if (finetuneSteps != null) {
        b.setFinetune(p.finetune().toBuilder().setSteps(finetuneSteps).build());
      }
      if (seeds != null) {
        TrainOptions.require(seeds >= 1, "--seeds", seeds, "must be >= 1");
        b.optSeeds(LongStream.rangeClosed(1, seeds).boxed().toList());
      }
      if (methods != null) {
        List<RecPreset.Method> all = p.methods();
        b.optMethods(
            methods.stream()
                .map(
                    i -> {
                      TrainOptions.require(
                          i >= 0 && i < all.size(),
                          "--methods",
                          i,
                          "must index the preset's methods "
                              + all.stream().map(RecPreset.Method::name).toList());
                      return all.get(i);
                    })
                .toList());
      }
      if (maxUsers != null) {
        b.optSelection(p.selection().toBuilder().optMaxUsers(maxUsers).build());
      }
      if (evalUsers != null) {
        b.optEvalUsers(evalUsers);
      }
      if (validUsers != null) {
        b.optValidUsers(validUsers);
      }
      if (checks != null) {
        b.optChecks(checks);
      }
      return b.build();
    }

    /** Where a run writes: everything under --out; docs/ only with --update-docs. */
    record Outputs(
        Path dir, Path json, Path chart, Path markdown, Path docsChart, Path docsMarkdown) {}

    Outputs outputs() {
      Path dir = out != null ? out : Path.of("target", "rec-" + preset);
      Path docs = updateDocs ? Installation.docs() : null;
      return new Outputs(
          dir,
          dir.resolve("results.json"),
          dir.resolve("rec-" + preset + ".png"),
          dir.resolve("results.md"),
          docs == null ? null : docs.resolve("rec-" + preset + ".png"),
          docs == null ? null : docs.resolve("RESULTS.md"));
    }

    @Override
    public Integer call() throws IOException {
      RecPreset p = resolve();
      Outputs o = outputs();
      RecExperiment.Report r =
          RecExperiment.run(
              p,
              checkData(data),
              baseModel,
              o.dir(),
              System.err::println,
              List.of(ProgressListener.auto()));
      String command =
          "bin/persona4j " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
      ResultsWriter.write(r, command, machine(), o.json(), o.chart(), o.markdown());
      System.out.printf(
          "rec experiment %s: %.1f min; results in %s, %s, %s%n",
          preset, r.seconds() / 60, o.markdown(), o.chart(), o.json());
      if (o.docsMarkdown() != null) {
        ResultsWriter.write(r, command, machine(), o.json(), o.docsChart(), o.docsMarkdown());
        System.out.printf("updated %s and %s%n", o.docsMarkdown(), o.docsChart());
      }
      return 0;
    }

    static String machine() {
      return String.format(
          "%d cores, %s %s, Java %s",
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("os.name"),
          System.getProperty("os.arch"),
          System.getProperty("java.version"));
    }
  }
}
