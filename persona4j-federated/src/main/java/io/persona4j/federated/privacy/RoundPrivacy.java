/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

/**
 * The privacy accounting of one aggregated DP-FedAvg round.
 *
 * @param round the round
 * @param samplingRate q = sampled / population
 * @param noiseMultiplier the multiplier z the accountant composed
 * @param clipNorm the clip norm C used in this round
 * @param sumNoiseStd the std of the noise on the sum of updates (before dividing by the sample
 *     size)
 * @param epsilon the cumulative epsilon after this round
 * @param delta the delta of the guarantee
 */
public record RoundPrivacy(
    int round,
    double samplingRate,
    double noiseMultiplier,
    double clipNorm,
    double sumNoiseStd,
    double epsilon,
    double delta) {}
