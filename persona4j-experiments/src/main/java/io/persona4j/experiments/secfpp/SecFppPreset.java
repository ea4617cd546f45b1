/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import java.util.List;

/**
 * Size of a SecFPP experiment run.
 *
 * @param name preset name
 * @param clients number of clients per setting, {@code >= 2}
 * @param trainPerClient training examples per client, {@code >= 1}
 * @param testPerClient test examples per client, {@code >= 1}
 * @param maxTokens token limit per text (incl. special tokens), {@code >= 2}
 * @param virtualTokens soft prompt length, {@code >= 1}
 * @param rounds federated rounds, {@code >= 1}
 * @param localSteps local steps per round, {@code >= 1}
 * @param warmupSteps local steps before clustering, {@code >= 1}
 * @param batchSize examples per step, {@code >= 1}
 * @param learningRate AdamW learning rate
 * @param clipNorm DP clip norm of a client's P update
 * @param seeds seeds to run
 * @param alphas Dirichlet label-skew concentrations of the review settings
 * @param epsilons target epsilons of the DP baselines
 * @param movielens whether to run the MovieLens setting
 * @param clusterMaxK largest number of clusters SecFPP's secure clustering tries
 * @param clusterRestarts initializations per k of the secure clustering
 * @param clusterIterations Lloyd iterations per restart (each costs two secure sums)
 */
public record SecFppPreset(
    String name,
    int clients,
    int trainPerClient,
    int testPerClient,
    int maxTokens,
    int virtualTokens,
    int rounds,
    int localSteps,
    int warmupSteps,
    int batchSize,
    double learningRate,
    double clipNorm,
    List<Long> seeds,
    List<Double> alphas,
    List<Double> epsilons,
    boolean movielens,
    int clusterMaxK,
    int clusterRestarts,
    int clusterIterations) {

  /** Validates the sizes. */
  public SecFppPreset {
    if (clients < 2) {
      throw new IllegalArgumentException("clients must be >= 2, got " + clients);
    }
    if (trainPerClient < 1 || testPerClient < 1) {
      throw new IllegalArgumentException(
          "trainPerClient and testPerClient must be >= 1, got "
              + trainPerClient
              + ", "
              + testPerClient);
    }
    if (maxTokens < 2) {
      throw new IllegalArgumentException("maxTokens must be >= 2, got " + maxTokens);
    }
    if (virtualTokens < 1 || rounds < 1 || localSteps < 1 || warmupSteps < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          "virtualTokens, rounds, localSteps, warmupSteps, batchSize must be >= 1");
    }
    if (!(learningRate > 0) || !(clipNorm > 0)) {
      throw new IllegalArgumentException("learningRate and clipNorm must be > 0");
    }
    if (clusterMaxK < 1 || clusterRestarts < 1 || clusterIterations < 1) {
      throw new IllegalArgumentException(
          "clusterMaxK, clusterRestarts, clusterIterations must be >= 1, got "
              + clusterMaxK
              + ", "
              + clusterRestarts
              + ", "
              + clusterIterations);
    }
    seeds = List.copyOf(seeds);
    alphas = List.copyOf(alphas);
    epsilons = List.copyOf(epsilons);
  }

  /** Seconds on a tiny random BERT (CI). */
  public static SecFppPreset smoke() {
    return new SecFppPreset(
        "smoke",
        6,
        8,
        6,
        24,
        2,
        2,
        2,
        3,
        8,
        0.05,
        1.0,
        List.of(1L),
        List.of(0.1),
        List.of(4.0),
        true,
        3,
        2,
        5);
  }

  /**
   * all-MiniLM-L6-v2, 20 clients of 16 + 16 examples, 32 tokens, 4 virtual tokens, 2 rounds of 2
   * local steps (batch 4), 3 seeds, alpha 0.1 and 1.0, epsilon 1, 4, 8, MovieLens; sized to about
   * 40 minutes on two shared cores (a training step of MiniLM takes ~0.3-0.7 s here).
   */
  public static SecFppPreset standard() {
    return new SecFppPreset(
        "standard",
        20,
        16,
        16,
        32,
        4,
        2,
        2,
        2,
        4,
        0.05,
        1.0,
        List.of(1L, 2L, 3L),
        List.of(0.1, 1.0),
        List.of(1.0, 4.0, 8.0),
        true,
        4,
        2,
        5);
  }

  /** The preset called {@code name}. */
  public static SecFppPreset named(String name) {
    return switch (name) {
      case "smoke" -> smoke();
      case "standard" -> standard();
      default ->
          throw new IllegalArgumentException(
              "preset must be smoke or standard, got '" + name + "'");
    };
  }
}
