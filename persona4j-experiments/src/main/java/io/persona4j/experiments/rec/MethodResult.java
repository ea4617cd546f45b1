/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import java.util.List;

/**
 * The runs of one method over the seeds: candidate HitRatio@1 and ValidRatio (generation protocol
 * for the LLM methods; the top-scored candidate for popularity and SASRec), full-ranking HR@10 and
 * NDCG@10 where the method ranks the catalog, and wall time.
 *
 * @param hr1 HitRatio@1 per seed
 * @param valid ValidRatio per seed
 * @param hr1Likelihood HitRatio@1 of the likelihood protocol per seed (LLM methods; empty
 *     otherwise)
 * @param hr10 full-ranking HR@10 per seed (empty if the method does not rank the catalog)
 * @param ndcg10 full-ranking NDCG@10 per seed (empty likewise)
 * @param seconds wall time per seed (training and evaluation)
 * @param evaluated test cases per seed
 * @param note what else to know (e.g. training throughput)
 */
public record MethodResult(
    String method,
    List<Double> hr1,
    List<Double> valid,
    List<Double> hr1Likelihood,
    List<Double> hr10,
    List<Double> ndcg10,
    List<Double> seconds,
    int evaluated,
    String note) {
  public MethodResult {
    hr1 = List.copyOf(hr1);
    valid = List.copyOf(valid);
    hr1Likelihood = List.copyOf(hr1Likelihood);
    hr10 = List.copyOf(hr10);
    ndcg10 = List.copyOf(ndcg10);
    seconds = List.copyOf(seconds);
  }

  /** Mean of {@code xs} (NaN if empty). */
  public static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** Sample standard deviation of {@code xs} (0 for one value, NaN if empty). */
  public static double std(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    if (xs.size() == 1) {
      return 0;
    }
    double m = mean(xs);
    double s = 0;
    for (double x : xs) {
      s += (x - m) * (x - m);
    }
    return Math.sqrt(s / (xs.size() - 1));
  }
}
