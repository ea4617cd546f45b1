package io.persona4j.cli;

import io.persona4j.experiments.common.PreparedData;
import io.persona4j.experiments.rec.LlmRecEval;
import io.persona4j.experiments.rec.SasRecEncoder;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.sasrec.SasRecModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

  @Option(names = "--max-users", defaultValue = "0", description = "As at training (0: all).")
  int maxUsers;

  @Option(names = "--eval-users", defaultValue = "200", description = "Test users evaluated.")
  int evalUsers;

  @Option(names = "--max-prompt", defaultValue = "512", description = "Prompt tokens at most.")
  int maxPrompt;

  @Option(names = "--batch-size", defaultValue = "16", description = "Prompts per batch.")
  int batch;

  @Option(names = "--predictions", description = "Write one JSON line per test user here.")
  Path predictions;

  @Override
  public Integer call() throws Exception {
    InteractionDataset ds = InteractionDataset.load(RecCommand.checkData(data));
    PreparedData p = PreparedData.of(ds, maxUsers, 1, 42);
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
                  "seconds", m.seconds())));
      System.err.printf(Locale.ROOT, "evaluated %d users in %.1f s%n", eval.size(), m.seconds());
    }
    return 0;
  }
}
