/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

/**
 * What one training epoch of {@link SasRecTrainer} did, passed to its progress callback.
 *
 * @param epoch 1-based epoch number
 * @param loss mean training loss of the epoch (weighted by target positions per step)
 * @param steps optimizer steps taken in the epoch
 * @param seconds wall-clock seconds of the epoch's training (evaluation excluded)
 * @param validHitRate full-ranking HR@10 on the validation cases after the epoch, NaN without
 *     validation data
 * @param validNdcg full-ranking NDCG@10 likewise
 * @param best whether this epoch has the best validation NDCG@10 so far (its weights are kept)
 */
public record SasRecEpoch(
    int epoch,
    double loss,
    int steps,
    double seconds,
    double validHitRate,
    double validNdcg,
    boolean best) {}
