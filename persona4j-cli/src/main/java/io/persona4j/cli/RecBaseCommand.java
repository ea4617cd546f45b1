/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.train.Pretraining;
import io.persona4j.core.train.ProgressListener;
import io.persona4j.experiments.common.BaseModelPreset;
import io.persona4j.experiments.common.BaseModels;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.experiments.rec.BaseModelCheck;
import io.persona4j.experiments.rec.RecPreset;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.llara.ItemCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code persona4j rec base}: pre-trains the base model of the LLaRA / iLoRA experiments on the
 * copying corpus (training data only) and checks, on validation users, whether it copies a listed
 * title: free-generation ValidRatio. The result is a cached base for {@code rec experiment
 * --base-model}.
 */
@Command(
    name = "base",
    mixinStandardHelpOptions = true,
    description = {
      "Pre-train the base model of a rec preset on the copying corpus (the training users'"
          + " histories, the catalog, and LLaRA prompts whose answer is a randomly drawn listed"
          + " candidate, copied verbatim; only training data) into --out, then measure its"
          + " free-generation ValidRatio on validation users (base-check.json). Use it with"
          + " `rec experiment --base-model`.",
      "Example: bin/persona4j rec base --preset grouped-smoke --out target/llara-base-smoke"
    })
final class RecBaseCommand implements Callable<Integer> {
  @Option(
      names = "--preset",
      defaultValue = "grouped",
      description = "Whose base model settings (size, steps, lr, copy prompts): default grouped.")
  String preset;

  @Option(names = "--data", description = RecCommand.DATA_HELP)
  Path data;

  @Option(names = "--out", required = true, description = "Output directory of the base model.")
  Path out;

  @Option(names = "--steps", description = "Override: pre-training steps.")
  Long steps;

  @Option(names = "--layers", description = "Override: decoder layers.")
  Integer layers;

  @Option(names = "--hidden", description = "Override: hidden size.")
  Integer hidden;

  @Option(names = "--copy-per-user", description = "Override: copying prompts per user.")
  Integer copyPerUser;

  @Option(
      names = "--valid-users",
      defaultValue = "200",
      description = "Validation users of the ValidRatio check (0: all; default ${DEFAULT-VALUE}).")
  int validUsers;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--check-only",
      description = "Only measure the ValidRatio of the base model already in --out.")
  boolean checkOnly;

  @Override
  public Integer call() throws IOException {
    RecPreset p = RecPreset.byName(preset);
    BaseModelPreset.Builder b = p.base().toBuilder();
    if (steps != null) {
      TrainOptions.require(steps >= 1, "--steps", steps, "must be >= 1");
      b.setSteps(steps);
    }
    if (layers != null) {
      TrainOptions.require(layers >= 1, "--layers", layers, "must be >= 1");
      b.setLayers(layers);
    }
    if (hidden != null) {
      TrainOptions.require(hidden >= 8, "--hidden", hidden, "must be >= 8");
      b.setHidden(hidden);
    }
    BaseModelPreset base = b.build();
    int copies = copyPerUser != null ? copyPerUser : Math.max(1, p.copyPromptsPerUser());
    TrainOptions.require(copies >= 1, "--copy-per-user", copies, "must be >= 1");
    TrainOptions.require(validUsers >= 0, "--valid-users", validUsers, "must be >= 0");
    PreparedData d =
        PreparedData.load(RecCommand.checkData(data), p.selection(), System.err::println);
    ItemCatalog catalog = d.catalog();
    if (!checkOnly) {
      Files.createDirectories(out);
      List<Pretraining.Document> docs =
          BaseModels.copyCorpus(d, catalog, copies, base.maxLen(), seed);
      long prompts = docs.stream().filter(x -> x.completion() != null).count();
      Pretraining.Result r =
          BaseModels.pretrainDocuments(
              base,
              seed,
              docs,
              (int) prompts,
              out,
              System.err::println,
              List.of(ProgressListener.auto()));
      System.out.printf(
          "base model: %d steps, loss %.3f -> %.3f, %.0f s, in %s%n",
          r.steps(), r.firstLoss(), r.finalLoss(), r.seconds(), out);
    } else if (!Files.isRegularFile(out.resolve("config.json"))) {
      throw new IllegalArgumentException(
          "--check-only: no model in " + out + " (config.json missing); drop --check-only");
    }
    List<CandidateExample> valid =
        validUsers > 0 && validUsers < d.valid().size()
            ? d.valid().subList(0, validUsers)
            : d.valid();
    BaseModelCheck.Result c =
        BaseModelCheck.run(
            out,
            catalog,
            PreparedData.samples(valid),
            p.finetune().maxPrompt(),
            p.finetune().evalBatch());
    BaseModelCheck.write(c, catalog, 20, out.resolve("base-check.json"));
    System.out.printf(
        "base check on %d validation users: ValidRatio %.4f, HR@1 %.4f (chance 0.05), %.0f s;"
            + " %s%n",
        c.metrics().total(),
        c.metrics().validRatio(),
        c.metrics().hitRatio(),
        c.seconds(),
        out.resolve("base-check.json"));
    return 0;
  }
}
