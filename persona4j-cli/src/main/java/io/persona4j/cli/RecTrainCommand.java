/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.adapters.moe.GateType;
import io.persona4j.core.train.ProgressListener;
import io.persona4j.experiments.common.FinetunePreset;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.experiments.common.SasRecTraining;
import io.persona4j.experiments.rec.LlmRecRun;
import io.persona4j.experiments.rec.RecExperiment;
import io.persona4j.experiments.rec.RecPreset;
import io.persona4j.experiments.rec.SasRecEncoder;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.sasrec.SasRecModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code persona4j rec train}: one recommender on one seed: SASRec, or an LLM recommender
 * (LLaRA-LoRA with {@code --experts 1}, iLoRA otherwise) on a base model and a trained SASRec;
 * evaluated on the test users afterwards.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train one recommender and evaluate it on the test users.",
      "--method sasrec: SASRec (saved to --out).",
      "--method llm: LLaRA-LoRA (--experts 1) or iLoRA on --base-model, with the item vectors and"
          + " sequence representations of --sasrec; the adapter (PEFT + iLoRA gate + projector),"
          + " predictions.jsonl go to --out."
    })
final class RecTrainCommand implements Callable<Integer> {
  enum Method {
    sasrec,
    llm
  }

  @Option(names = "--method", required = true, description = "sasrec or llm.")
  Method method;

  @Option(names = "--data", description = RecCommand.DATA_HELP)
  Path data;

  @Option(names = "--out", required = true, description = "Output directory.")
  Path out;

  @Option(names = "--base-model", description = "llm: the base model directory.")
  Path baseModel;

  @Option(names = "--sasrec", description = "llm: a SASRec directory from --method sasrec.")
  Path sasrec;

  @Option(names = "--experts", defaultValue = "4", description = "llm: experts K (1 = LoRA).")
  int experts;

  @Option(names = "--gate", defaultValue = "LINEAR", description = "llm: LINEAR, RANDOM, UNIFORM.")
  GateType gate;

  @Option(names = "--steps", defaultValue = "60", description = "llm: steps (${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--batch-size", defaultValue = "8", description = "llm: batch.")
  int batch;

  @Option(names = "--lr", defaultValue = "2e-3", description = "llm: peak lr.")
  double lr;

  @Option(names = "--rank", defaultValue = "8", description = "llm: total LoRA rank.")
  int rank;

  @Option(names = "--alpha", defaultValue = "32", description = "llm: LoRA alpha.")
  double alpha;

  @Option(names = "--epochs", defaultValue = "40", description = "sasrec: max epochs.")
  int epochs;

  @Option(names = "--max-prompt", defaultValue = "512", description = "llm: prompt tokens.")
  int maxPrompt;

  @Option(names = "--max-users", defaultValue = "0", description = "Sample users (0: all).")
  int maxUsers;

  @Option(names = "--train-per-user", defaultValue = "1", description = "llm: newest positions.")
  int trainPerUser;

  @Option(names = "--eval-users", defaultValue = "200", description = "Test users evaluated.")
  int evalUsers;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (${DEFAULT-VALUE}).")
  long seed;

  /** Seed of the user sample and the candidate sets ({@code rec eval} uses the same). */
  static final long SPLIT_SEED = 42;

  @Override
  public Integer call() throws Exception {
    Path dataDir = RecCommand.checkData(data);
    InteractionDataset ds = InteractionDataset.load(dataDir);
    System.err.println(ds.summary());
    PreparedData p = PreparedData.of(ds, maxUsers, trainPerUser, SPLIT_SEED);
    List<CandidateExample> test = p.test();
    List<CandidateExample> eval =
        evalUsers > 0 && evalUsers < test.size() ? test.subList(0, evalUsers) : test;
    if (method == Method.sasrec) {
      try (SasRecModel m = SasRecTraining.train(p, epochs, seed, out, System.err::println)) {
        RecTrainingRecord.of(method.name(), dataDir, maxUsers, SPLIT_SEED).write(out);
        double[] r = RecExperiment.evaluateSasRec(m, p, eval);
        System.out.printf(
            Locale.ROOT,
            "SASRec on %d test users: HR@1 (20 candidates) %.4f, HR@10 %.4f, NDCG@10 %.4f; model"
                + " in %s%n",
            eval.size(),
            r[0],
            r[1],
            r[2],
            out);
      }
      return 0;
    }
    if (baseModel == null || sasrec == null) {
      throw new IllegalArgumentException("--method llm needs --base-model and --sasrec");
    }
    try (SasRecModel s = SasRecModel.load(sasrec)) {
      LlmRecRun.Outcome o =
          LlmRecRun.run(
              baseModel,
              p.catalog(),
              new SasRecEncoder(s),
              FinetunePreset.builder()
                  .setSteps(steps)
                  .optBatch(batch)
                  .optLr(lr)
                  .optRank(rank)
                  .optAlpha(alpha)
                  .optDropout(0.1)
                  .optMaxPrompt(maxPrompt)
                  .optEvalBatch(16)
                  .build(),
              new RecPreset.Method(experts == 1 ? "LoRA" : "iLoRA K=" + experts, experts, gate),
              seed,
              PreparedData.samples(p.trainLlm()),
              PreparedData.samples(eval),
              List.of(ProgressListener.auto()),
              out);
      RecTrainingRecord.of(method.name(), dataDir, maxUsers, SPLIT_SEED).write(out);
      System.out.printf(
          Locale.ROOT,
          "%s on %d test users: HR@1 %.4f, ValidRatio %.4f, likelihood HR@1 %.4f; loss %.3f ->"
              + " %.3f; %.1f samples/s; adapter in %s%n",
          o.method(),
          eval.size(),
          o.test().hitRatio(),
          o.test().validRatio(),
          o.likelihood().hitRatio(),
          o.firstLoss(),
          o.finalLoss(),
          o.trainSamplesPerSecond(),
          out);
    }
    return 0;
  }
}
