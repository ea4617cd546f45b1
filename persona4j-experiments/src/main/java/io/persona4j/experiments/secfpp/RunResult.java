/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import java.util.List;

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
 * @param clientAccuracies test accuracy of each client (client order of the setting)
 * @param hits per client, whether each test example was classified correctly (for paired tests)
 * @param domains each client's known domain (the domains setting), else empty
 * @param assignment each client's cluster (SecFPP), else empty
 * @param adjustedRand adjusted Rand index of the assignment against the known domains (SecFPP on
 *     the domains setting), else NaN
 * @param withinSumOfSquares the secure clustering's best W(k) for k = 1, 2, ... (NaN where no
 *     restart kept every cluster large enough), SecFPP only
 * @param promptDrift mean over clients of {@code ||P - P_0|| / ||P_0||}, P the client's final full
 *     prompt (P_G + P_L) and P_0 the common initial prompt
 * @param withinDomainCosine SecFPP on a setting with known domains: mean cosine similarity of the
 *     clients' clustering vectors {@code z} over pairs of clients of the same domain (a
 *     simulation-side diagnostic; the protocol never reveals z), else NaN
 * @param betweenDomainCosine the same over pairs of clients of different domains, else NaN
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
    double seconds,
    List<Double> clientAccuracies,
    List<boolean[]> hits,
    List<Integer> domains,
    List<Integer> assignment,
    double adjustedRand,
    List<Double> withinSumOfSquares,
    double promptDrift,
    double withinDomainCosine,
    double betweenDomainCosine) {
  /** Copies the lists. */
  public RunResult {
    clientAccuracies = List.copyOf(clientAccuracies);
    hits = List.copyOf(hits);
    domains = List.copyOf(domains);
    assignment = List.copyOf(assignment);
    withinSumOfSquares = List.copyOf(withinSumOfSquares);
  }
}
