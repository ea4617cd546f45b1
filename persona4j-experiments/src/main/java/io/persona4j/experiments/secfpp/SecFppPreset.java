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
 * @param validPerClient validation examples per client, {@code >= 0}, drawn from the training
 *     source (never the test split) and disjoint from the client's training and test texts; the
 *     hyper-parameter sweep ({@link SecFppSweep}) evaluates on them
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
 * @param domains whether to run the two-domain setting (half the clients Amazon reviews, half
 *     MovieLens users; see {@link SecFppDatasets#domains})
 * @param clusterMaxK largest number of clusters SecFPP's secure clustering tries
 * @param clusterRestarts initializations per k of the secure clustering
 * @param clusterIterations Lloyd iterations per restart (each costs two secure sums)
 */
public record SecFppPreset(
    String name,
    int clients,
    int trainPerClient,
    int testPerClient,
    int validPerClient,
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
    boolean domains,
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
    if (validPerClient < 0) {
      throw new IllegalArgumentException("validPerClient must be >= 0, got " + validPerClient);
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
        4,
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
        0,
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
        false,
        4,
        2,
        5);
  }

  /**
   * The two-domain federation only (issue 17): all-MiniLM-L6-v2, 20 clients (10 Amazon review
   * clients, 10 MovieLens users) of 16 training, 16 validation and 16 test examples, 32 tokens, 4
   * virtual tokens, 2 rounds of 4 local steps (batch 4) at lr 0.01 (chosen on validation by {@code
   * fed experiment secfpp-sweep}, see docs/RESULTS.md), 8 warm-up steps before SecFPP's clustering,
   * 3 seeds, epsilon 1, 4, 8.
   */
  public static SecFppPreset domainsPreset() {
    return new SecFppPreset(
        "domains",
        20,
        16,
        16,
        16,
        32,
        4,
        2,
        4,
        8,
        4,
        0.01,
        1.0,
        List.of(1L, 2L, 3L),
        List.of(),
        List.of(1.0, 4.0, 8.0),
        false,
        true,
        4,
        4,
        10);
  }

  /** The preset called {@code name}. */
  public static SecFppPreset named(String name) {
    return switch (name) {
      case "smoke" -> smoke();
      case "standard" -> standard();
      case "domains" -> domainsPreset();
      default ->
          throw new IllegalArgumentException(
              "preset must be smoke, standard or domains, got '" + name + "'");
    };
  }

  /** A builder starting from this preset's values (for command-line overrides and the sweep). */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Overrides of a preset's values; every setting is optional and defaults to the preset's. */
  public static final class Builder {
    private final SecFppPreset base;
    private int trainPerClient;
    private int validPerClient;
    private int virtualTokens;
    private int rounds;
    private int localSteps;
    private int warmupSteps;
    private double learningRate;
    private List<Long> seeds;
    private boolean movielens;
    private int clusterRestarts;
    private int clusterIterations;

    private Builder(SecFppPreset base) {
      this.base = base;
      trainPerClient = base.trainPerClient;
      validPerClient = base.validPerClient;
      virtualTokens = base.virtualTokens;
      rounds = base.rounds;
      localSteps = base.localSteps;
      warmupSteps = base.warmupSteps;
      learningRate = base.learningRate;
      seeds = base.seeds;
      movielens = base.movielens;
      clusterRestarts = base.clusterRestarts;
      clusterIterations = base.clusterIterations;
    }

    public Builder optClusterRestarts(int v) {
      clusterRestarts = v;
      return this;
    }

    public Builder optClusterIterations(int v) {
      clusterIterations = v;
      return this;
    }

    public Builder optTrainPerClient(int v) {
      trainPerClient = v;
      return this;
    }

    public Builder optValidPerClient(int v) {
      validPerClient = v;
      return this;
    }

    public Builder optVirtualTokens(int v) {
      virtualTokens = v;
      return this;
    }

    public Builder optRounds(int v) {
      rounds = v;
      return this;
    }

    public Builder optLocalSteps(int v) {
      localSteps = v;
      return this;
    }

    public Builder optWarmupSteps(int v) {
      warmupSteps = v;
      return this;
    }

    public Builder optLearningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder optSeeds(List<Long> v) {
      seeds = v;
      return this;
    }

    public Builder optMovielens(boolean v) {
      movielens = v;
      return this;
    }

    /** The preset with the overrides (validated by the record's constructor). */
    public SecFppPreset build() {
      return new SecFppPreset(
          base.name,
          base.clients,
          trainPerClient,
          base.testPerClient,
          validPerClient,
          base.maxTokens,
          virtualTokens,
          rounds,
          localSteps,
          warmupSteps,
          base.batchSize,
          learningRate,
          base.clipNorm,
          seeds,
          base.alphas,
          base.epsilons,
          movielens,
          base.domains,
          base.clusterMaxK,
          clusterRestarts,
          clusterIterations);
    }
  }
}
