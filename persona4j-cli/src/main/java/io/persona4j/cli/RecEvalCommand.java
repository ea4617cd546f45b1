/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.experiments.common.PreparedData;
import io.persona4j.experiments.rec.LlmRecEval;
import io.persona4j.experiments.rec.SasRecEncoder;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.sasrec.SasRecModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j rec eval}: a saved LLM recommender on the test users, both protocols. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Evaluate an adapter from persona4j rec train on the test users: greedy generation"
            + " (HitRatio@1, ValidRatio) and likelihood ranking of the 20 candidates.")
final class RecEvalCommand implements Callable<Integer> {
  @Option(names = "--data", description = RecCommand.DATA_HELP)
  Path data;

  @Option(names = "--base-model", required = true, description = "Base model directory.")
  Path baseModel;

  @Option(names = "--sasrec", required = true, description = "SASRec directory.")
  Path sasrec;

  @Option(names = "--adapter", required = true, description = "Adapter directory.")
  Path adapter;

  @Option(
      names = "--max-users",
      description =
          "Users sampled, as at training (default: what the adapter's training.json records; 0:"
              + " all). The sample decides the test users, so another value is refused.")
  Integer maxUsers;

  @Option(names = "--eval-users", defaultValue = "200", description = "Test users evaluated.")
  int evalUsers;

  @Option(names = "--max-prompt", defaultValue = "512", description = "Prompt tokens at most.")
  int maxPrompt;

  @Option(names = "--batch-size", defaultValue = "16", description = "Prompts per batch.")
  int batch;

  @Option(names = "--predictions", description = "Write one JSON line per test user here.")
  Path predictions;

  /**
   * The users to sample: --max-users if it agrees with what the adapter and the SASRec model were
   * trained on (their training.json), else what they record.
   *
   * @throws IllegalArgumentException naming both values if --max-users or the records disagree
   */
  private int checkTrainingRecords(Path dataDir) throws IOException {
    Integer recorded = null;
    Path recordedIn = null;
    for (Path dir : List.of(adapter, sasrec)) {
      Optional<RecTrainingRecord> r = RecTrainingRecord.read(dir);
      if (r.isEmpty()) {
        System.err.printf(
            "warning: %s has no %s (written by an older version): cannot check that --max-users"
                + " selects the users it was trained on%n",
            dir, RecTrainingRecord.FILE);
        continue;
      }
      int users = r.get().maxUsers();
      if (recorded != null && users != recorded) {
        throw new IllegalArgumentException(
            String.format(
                "%s was trained with --max-users %d but %s with --max-users %d: they saw"
                    + " different users; train them on the same sample",
                recordedIn, recorded, dir, users));
      }
      recorded = users;
      recordedIn = dir;
      Path given = dataDir.toAbsolutePath().normalize();
      if (!given.toString().equals(r.get().data())) {
        System.err.printf(
            "warning: %s was trained on --data %s, evaluating on %s%n", dir, r.get().data(), given);
      }
    }
    if (maxUsers == null) {
      return recorded == null ? 0 : recorded;
    }
    if (recorded != null && !maxUsers.equals(recorded)) {
      throw new IllegalArgumentException(
          String.format(
              "--max-users %d, but %s was trained with --max-users %d (recorded in its %s); the"
                  + " sample decides the test users, so this would evaluate users it was not"
                  + " split for. Pass --max-users %d or leave it out",
              maxUsers, recordedIn, recorded, RecTrainingRecord.FILE, recorded));
    }
    return maxUsers;
  }

  @Override
  public Integer call() throws Exception {
    Path dataDir = RecCommand.checkData(data);
    int users = checkTrainingRecords(dataDir);
    InteractionDataset ds = InteractionDataset.load(dataDir);
    PreparedData p = PreparedData.of(ds, users, 1, RecTrainCommand.SPLIT_SEED);
    List<CandidateExample> test = p.test();
    List<CandidateExample> eval =
        evalUsers > 0 && evalUsers < test.size() ? test.subList(0, evalUsers) : test;
    try (SasRecModel s = SasRecModel.load(sasrec)) {
      LlmRecEval.Metrics m =
          LlmRecEval.evaluate(
              baseModel,
              adapter,
              p.catalog(),
              new SasRecEncoder(s),
              PreparedData.samples(eval),
              maxPrompt,
              batch,
              predictions);
      System.out.println(
          Json.write(
              Map.of(
                  "users", eval.size(),
                  "hit_ratio_1", m.generation().hitRatio(),
                  "valid_ratio", m.generation().validRatio(),
                  "likelihood_hit_ratio_1", m.likelihood().hitRatio(),
                  "constrained_hit_ratio_1", m.constrained().hitRatio(),
                  "seconds", m.seconds())));
      System.err.printf(Locale.ROOT, "evaluated %d users in %.1f s%n", eval.size(), m.seconds());
    }
    return 0;
  }
}
