/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

/**
 * One (setting, method, seed) run.
 *
 * @param setting e.g. {@code amazon-alpha0.1}
 * @param method method label, e.g. {@code DP eps=4}
 * @param seed the seed
 * @param accuracy correct / total over all clients' test examples
 * @param meanClientAccuracy mean of the per-client accuracies
 * @param clusters clusters chosen (SecFPP), else 0
 * @param noiseMultiplier DP noise multiplier, else 0
 * @param epsilon DP epsilon spent, else NaN
 * @param seconds wall time
 */
public record RunResult(
    String setting,
    String method,
    long seed,
    double accuracy,
    double meanClientAccuracy,
    int clusters,
    double noiseMultiplier,
    double epsilon,
    double seconds) {}
