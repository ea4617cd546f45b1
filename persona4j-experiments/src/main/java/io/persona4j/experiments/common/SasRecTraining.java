/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.sasrec.SasRecConfig;
import io.persona4j.rec.sasrec.SasRecModel;
import io.persona4j.rec.sasrec.SasRecTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The SASRec both recommendation experiments train: the baseline, and FELLRec's user embeddings.
 */
public final class SasRecTraining {
  private SasRecTraining() {}

  /**
   * Trains SASRec (hidden 64, histories of 10, every position a target, early stopping on the
   * validation users' full-ranking NDCG@10 with patience 10) and saves it into {@code dir}.
   */
  public static SasRecModel train(
      PreparedData data, int epochs, long seed, Path dir, Consumer<String> log) throws IOException {
    List<CandidateExample> valid = data.valid();
    int[][] vh = new int[valid.size()][];
    int[] vt = new int[valid.size()];
    for (int i = 0; i < vh.length; i++) {
      vh[i] = valid.get(i).example().history();
      vt[i] = valid.get(i).example().target();
    }
    SasRecConfig config =
        SasRecConfig.builder()
            .setNumItems(data.dataset().numItems())
            .optMaxLen(10)
            .optSplitLongSequences(true)
            .optHiddenSize(64)
            .optEpochs(epochs)
            .optPatience(10)
            .optSeed(seed)
            .build();
    SasRecTrainer.Trained t =
        new SasRecTrainer(config)
            .onEpoch(
                e ->
                    log.accept(
                        String.format(
                            "SASRec seed %d epoch %d: loss %.4f, valid HR@10 %.4f NDCG@10 %.4f",
                            seed, e.epoch(), e.loss(), e.validHitRate(), e.validNdcg())))
            .fit(data.trainSequences(), vh, vt);
    Files.createDirectories(dir);
    t.model().save(dir);
    return t.model();
  }
}
