/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import java.util.ArrayList;
import java.util.List;

/**
 * The trivial baseline beside the methods: every client predicts the majority class of its own
 * training labels (class 1 on a tie) for all its test examples; no model. Reported as method
 * {@value #NAME} so that the tables and paired tests put it beside the others.
 */
public final class MajorityBaseline {
  /** Its method label in the results. */
  public static final String NAME = "MAJORITY";

  private MajorityBaseline() {}

  /** The baseline's run on {@code clients} (their known {@code domains}, or empty). */
  public static RunResult run(
      String setting, long seed, List<ClientData> clients, List<Integer> domains) {
    List<Double> accuracies = new ArrayList<>();
    List<boolean[]> hits = new ArrayList<>();
    long correct = 0;
    long total = 0;
    for (ClientData c : clients) {
      long ones = c.trainLabels().stream().filter(l -> l == 1).count();
      int majority = ones * 2 >= c.trainLabels().size() ? 1 : 0;
      boolean[] h = new boolean[c.testLabels().size()];
      int right = 0;
      for (int i = 0; i < h.length; i++) {
        h[i] = c.testLabels().get(i) == majority;
        right += h[i] ? 1 : 0;
      }
      hits.add(h);
      accuracies.add(h.length == 0 ? Double.NaN : (double) right / h.length);
      correct += right;
      total += h.length;
    }
    double mean = accuracies.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    return new RunResult(
        setting,
        NAME,
        seed,
        (double) correct / total,
        mean,
        0,
        0,
        Double.NaN,
        0,
        accuracies,
        hits,
        domains,
        List.of(),
        Double.NaN,
        List.of(),
        0,
        Double.NaN,
        Double.NaN);
  }
}
