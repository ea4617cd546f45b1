/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import java.util.List;

/**
 * The outcome of {@link SasRecTrainer#fit}.
 *
 * @param epochs every epoch run, in order
 * @param bestEpoch the epoch whose weights the model holds now (the last one without validation
 *     data; 0 if no epoch ran)
 * @param bestValidHitRate validation HR@10 of that epoch (NaN without validation data)
 * @param bestValidNdcg validation NDCG@10 of that epoch (NaN without validation data)
 * @param stoppedEarly whether training stopped before the configured number of epochs because the
 *     validation NDCG@10 did not improve for {@code patience} epochs
 * @param trainSeconds wall-clock seconds spent in training steps
 * @param totalSeconds wall-clock seconds of the whole fit, evaluation included
 */
public record SasRecFitResult(
    List<SasRecEpoch> epochs,
    int bestEpoch,
    double bestValidHitRate,
    double bestValidNdcg,
    boolean stoppedEarly,
    double trainSeconds,
    double totalSeconds) {
  public SasRecFitResult {
    epochs = List.copyOf(epochs);
  }
}
