/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Not a test: trains SASRec on all of MovieLens-small and prints test HR@10 / NDCG@10 (full
 * ranking) and timings, and saves the model under {@code target/sasrec-movielens}. Arguments:
 * {@code maxLen epochs splitLongSequences [maxUsers]}. Run from the module directory with the test
 * class path, e.g. after {@code mvn -pl persona4j-rec -am test-compile} and {@code mvn -pl
 * persona4j-rec dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=cp.txt}:
 * {@code java -Dpersona4j.shared=/work/shared -cp target/test-classes:target/classes:$(cat cp.txt)
 * io.persona4j.rec.sasrec.MovieLensSasRecDemo 10 200 true}.
 */
public final class MovieLensSasRecDemo {
  private MovieLensSasRecDemo() {}

  public static void main(String[] args) throws Exception {
    int maxLen = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    boolean split = args.length > 2 && Boolean.parseBoolean(args[2]);
    int maxUsers = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    long t0 = System.nanoTime();
    MovieLensSmall data = MovieLensSmall.load(MovieLensSmall.ratingsFile(), maxUsers);
    System.out.printf(
        "users %d, items %d, load %.2f s%n",
        data.train().length, data.numItems(), (System.nanoTime() - t0) / 1e9);
    SasRecConfig config =
        SasRecConfig.builder()
            .setNumItems(data.numItems())
            .optMaxLen(maxLen)
            .optEpochs(epochs)
            .optSplitLongSequences(split)
            .optPatience(20)
            .build();
    System.out.println(config);
    SasRecTrainer trainer =
        new SasRecTrainer(config)
            .onEpoch(
                e ->
                    System.out.printf(
                        Locale.ROOT,
                        "epoch %3d loss %.4f steps %d %.2fs valid HR@10 %.4f NDCG@10 %.4f%s%n",
                        e.epoch(),
                        e.loss(),
                        e.steps(),
                        e.seconds(),
                        e.validHitRate(),
                        e.validNdcg(),
                        e.best() ? " *" : ""));
    SasRecTrainer.Trained t = trainer.fit(data.train(), data.validHistories(), data.validTargets());
    try (var model = t.model()) {
      long e0 = System.nanoTime();
      RankingMetrics test = SasRecTrainer.evaluate(model, data.testHistories(), data.testTargets());
      double evalSeconds = (System.nanoTime() - e0) / 1e9;
      SasRecFitResult r = t.result();
      System.out.printf(
          Locale.ROOT,
          "best epoch %d of %d (stopped early: %s), valid HR@10 %.4f NDCG@10 %.4f%n"
              + "TEST HR@10 %.4f NDCG@10 %.4f over %d users, %d items (full ranking, eval %.2f s)%n"
              + "popularity baseline test HR@10 %.4f%n"
              + "train time %.1f s (%.2f s/epoch), fit total %.1f s%n",
          r.bestEpoch(),
          r.epochs().size(),
          r.stoppedEarly(),
          r.bestValidHitRate(),
          r.bestValidNdcg(),
          test.hitRate(),
          test.ndcg(),
          test.cases(),
          data.numItems(),
          evalSeconds,
          data.popularityHitRate(data.testHistories(), data.testTargets()),
          r.trainSeconds(),
          r.trainSeconds() / r.epochs().size(),
          r.totalSeconds());
      model.save(Path.of("target", "sasrec-movielens"));
    }
  }
}
