/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.adapters.plora.PLoraConfig;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * {@code persona4j train --method plora} settings (a picocli mixin): PLoRA's user-vector width,
 * personalized dropout and mutual-information weight. With {@code --method plora}, the LoRA options
 * {@code --lora-r}, {@code --lora-alpha} and {@code --lora-dropout} default to PLoRA's (64, 128,
 * 0.1) unless given.
 */
final class PLoraOptions {
  /** What {@code persona4j train} trains on an encoder. */
  enum Method {
    lora,
    plora
  }

  @Option(
      names = "--method",
      description =
          "lora (default) or plora: one shared LoRA conditioned on a learned vector per user"
              + " (BERT encoders, rows {\"text\", \"label\", \"user\"}).")
  Method method = Method.lora;

  @Option(
      names = "--user-dim",
      description = "PLoRA: width d_u of each user's vector (default ${DEFAULT-VALUE}).")
  int userDim = 512;

  @Option(
      names = "--p-rate",
      description =
          "PLoRA: personalized dropout, the probability that a training sample's whole user"
              + " vector is zeroed (default ${DEFAULT-VALUE}).")
  double pRate = 0.1;

  @Option(
      names = "--mim",
      description =
          "PLoRA: weight of the mutual-information term (KL + MSE); <= 0 is off (default"
              + " ${DEFAULT-VALUE}).")
  double mim = -1;

  boolean plora() {
    return method == Method.plora;
  }

  /**
   * The PLoRA config: these options and the LoRA options of {@code o}, whose rank, alpha and
   * dropout are PLoRA's defaults where the command line did not give them.
   */
  PLoraConfig config(TrainOptions o, CommandSpec spec) {
    ParseResult pr = spec.commandLine().getParseResult();
    PLoraConfig.Builder b = PLoraConfig.builder().optUserDim(userDim).optPRate(pRate).optMim(mim);
    if (pr.hasMatchedOption("--lora-r")) {
      b.optR(o.loraR);
    }
    if (pr.hasMatchedOption("--lora-alpha")) {
      b.optAlpha(o.loraAlpha);
    }
    if (pr.hasMatchedOption("--lora-dropout")) {
      b.optDropout(o.loraDropout);
    }
    if (o.targetsRegex != null) {
      b.optTargets(io.persona4j.adapters.lora.TargetModules.regex(o.targetsRegex));
    } else if (o.targets != null) {
      b.optTargets(o.targets.toArray(String[]::new));
    }
    TrainOptions.require(userDim >= 1, "--user-dim", userDim, "must be >= 1");
    TrainOptions.require(pRate >= 0 && pRate < 1, "--p-rate", pRate, "must be in [0, 1)");
    TrainOptions.require(Double.isFinite(mim), "--mim", mim, "must be finite (<= 0 is off)");
    return b.build();
  }

  /** The options that only PLoRA uses, if given without {@code --method plora}. */
  List<String> misplaced(CommandSpec spec) {
    ParseResult pr = spec.commandLine().getParseResult();
    return List.of("--user-dim", "--p-rate", "--mim").stream()
        .filter(pr::hasMatchedOption)
        .toList();
  }
}
