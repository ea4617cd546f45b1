/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.TargetModules;
import io.persona4j.core.train.JsonlDataset;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Pooling;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * LoRA and trainer settings of {@code persona4j train} (a picocli mixin). The field initializers
 * are the defaults, so {@code persona4j demo} can build one in code.
 */
final class TrainOptions {
  /** The shape of the learning rate after the warmup. */
  enum Schedule {
    cosine,
    linear,
    constant
  }

  /** What to do with a malformed row. */
  enum OnBadRow {
    skip,
    fail
  }

  /** What to do with a row longer than --max-len. */
  enum OnLong {
    truncate,
    fail
  }

  @Option(names = "--lora-r", description = "LoRA rank (default ${DEFAULT-VALUE}).")
  int loraR = 8;

  @ValidatedAs("lora_alpha")
  @Option(names = "--lora-alpha", description = "LoRA alpha (default ${DEFAULT-VALUE}).")
  double loraAlpha = 16;

  @ValidatedAs("lora_dropout")
  @Option(
      names = "--lora-dropout",
      description = "Dropout on the LoRA input (default ${DEFAULT-VALUE}).")
  double loraDropout = 0.05;

  @Option(
      names = "--targets",
      split = ",",
      description =
          "Module names to adapt, e.g. q_proj,v_proj, or all-linear: every linear layer but the"
              + " output head, as PEFT (default q_proj,v_proj for decoders, query,value for BERT"
              + " encoders).")
  List<String> targets;

  @Option(
      names = "--targets-regex",
      description = "Full-match regex over module paths instead of --targets.")
  String targetsRegex;

  @Option(names = "--lr", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
  double lr = 2e-4;

  @Option(
      names = "--epochs",
      description = "Passes over the data (default ${DEFAULT-VALUE}); ignored with --max-steps.")
  double epochs = 1;

  @Option(names = "--max-steps", description = "Optimizer steps (overrides --epochs).")
  Long maxSteps;

  @Option(
      names = "--batch-size",
      description = "Examples per micro-batch (default ${DEFAULT-VALUE}).")
  int batchSize = 4;

  @Option(
      names = "--grad-accum",
      description = "Micro-batches per optimizer step (default ${DEFAULT-VALUE}).")
  int gradAccum = 1;

  @Option(
      names = "--max-len",
      description = "Tokens per example at most, prompt and completion (default ${DEFAULT-VALUE}).")
  int maxLen = 256;

  @Option(
      names = "--eval-every",
      description = "Evaluate on --eval-data every N steps (default: only after the last step).")
  int evalEvery;

  @Option(
      names = "--seed",
      description = "Seed of init, dropout and order (default ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(names = "--warmup-steps", description = "Linear warmup steps (default ${DEFAULT-VALUE}).")
  long warmupSteps;

  @Option(
      names = "--schedule",
      description = "cosine, linear or constant after the warmup (default ${DEFAULT-VALUE}).")
  Schedule schedule = Schedule.cosine;

  @Option(
      names = "--on-bad-row",
      description = "skip or fail on malformed rows (default ${DEFAULT-VALUE}).")
  OnBadRow onBadRow = OnBadRow.fail;

  @Option(
      names = "--on-long",
      description = "truncate or fail on rows longer than --max-len (default ${DEFAULT-VALUE}).")
  OnLong onLong = OnLong.truncate;

  @Option(
      names = "--checkpoint-every",
      description = "Write a resumable checkpoint every N steps under OUT/checkpoints (0: none).")
  int checkpointEvery;

  @Option(
      names = "--resume",
      description = "Continue from the newest checkpoint in OUT/checkpoints.")
  boolean resume;

  /** Decoder targets without --targets. */
  static final List<String> DECODER_TARGETS = List.of("q_proj", "v_proj");

  @Option(
      names = "--pooling",
      description = "Classification only: mean or cls pooling of the encoder (default mean).")
  PoolingOption pooling = PoolingOption.mean;

  /** Pooling of encoder features for classification. */
  enum PoolingOption {
    mean(Pooling.MEAN),
    cls(Pooling.CLS);

    final Pooling pooling;

    PoolingOption(Pooling pooling) {
      this.pooling = pooling;
    }
  }

  /** The LoRA config of a causal-LM adapter on a decoder. */
  LoraConfig loraConfig() {
    return loraConfig(DECODER_TARGETS, "CAUSAL_LM", List.of());
  }

  /**
   * The LoRA config these options describe: {@code defaultTargets} unless --targets or
   * --targets-regex is given.
   */
  LoraConfig loraConfig(List<String> defaultTargets, String taskType, List<String> modulesToSave) {
    LoraConfig.Builder b =
        LoraConfig.builder().optR(loraR).optAlpha(loraAlpha).optDropout(loraDropout);
    if (targetsRegex != null) {
      b.optTargetRegex(targetsRegex);
    } else if (targets != null
        && targets.stream().anyMatch(TargetModules.ALL_LINEAR::equalsIgnoreCase)) {
      require(
          targets.size() == 1,
          "--targets",
          String.join(",", targets),
          "all-linear (every linear layer but the output head) stands alone");
      b.optTargetRegex(
          TargetModules.ALL_LINEAR); // PEFT's shorthand is the string, not a list entry
    } else {
      b.optTargets((targets == null ? defaultTargets : targets).toArray(String[]::new));
    }
    if (!modulesToSave.isEmpty()) {
      b.optModulesToSave(modulesToSave.toArray(String[]::new));
    }
    return b.optTaskType(taskType).build();
  }

  /** Optimizer steps for {@code examples} training examples. */
  long steps(int examples) {
    if (maxSteps != null) {
      require(maxSteps >= 1, "--max-steps", maxSteps, "must be >= 1");
      return maxSteps;
    }
    require(epochs > 0 && Double.isFinite(epochs), "--epochs", epochs, "must be > 0");
    long perStep = (long) batchSize * gradAccum;
    return Math.max(1, (long) Math.ceil(epochs * examples / perStep));
  }

  /** The learning-rate schedule over {@code steps} steps. */
  LearningRateSchedule schedule(long steps) {
    require(
        warmupSteps >= 0 && warmupSteps <= steps,
        "--warmup-steps",
        warmupSteps,
        "must be in [0, " + steps + "]");
    return switch (schedule) {
      case cosine -> LearningRateSchedule.warmupCosine(lr, warmupSteps, steps);
      case linear -> LearningRateSchedule.warmupLinear(lr, warmupSteps, steps);
      case constant -> LearningRateSchedule.warmupConstant(lr, warmupSteps);
    };
  }

  JsonlDataset.OnMalformed onMalformed() {
    return onBadRow == OnBadRow.skip
        ? JsonlDataset.OnMalformed.SKIP
        : JsonlDataset.OnMalformed.FAIL;
  }

  JsonlDataset.OnOverlong onOverlong() {
    return onLong == OnLong.fail ? JsonlDataset.OnOverlong.FAIL : JsonlDataset.OnOverlong.TRUNCATE;
  }

  /** Checks the options that do not depend on the data. */
  void validate(int maxPositionEmbeddings) {
    require(loraR >= 1, "--lora-r", loraR, "must be >= 1");
    require(lr > 0 && Double.isFinite(lr), "--lr", lr, "must be > 0");
    require(batchSize >= 1, "--batch-size", batchSize, "must be >= 1");
    require(gradAccum >= 1, "--grad-accum", gradAccum, "must be >= 1");
    require(
        maxLen >= 2 && maxLen <= maxPositionEmbeddings,
        "--max-len",
        maxLen,
        "must be in [2, " + maxPositionEmbeddings + "] (the model's max_position_embeddings)");
    require(evalEvery >= 0, "--eval-every", evalEvery, "must be >= 0");
    require(checkpointEvery >= 0, "--checkpoint-every", checkpointEvery, "must be >= 0");
  }

  static void require(boolean ok, String option, Object value, String expectation) {
    if (!ok) {
      throw new IllegalArgumentException(option + " " + value + ": " + expectation);
    }
  }
}
