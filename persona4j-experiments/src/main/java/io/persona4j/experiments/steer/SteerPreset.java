/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import java.util.List;

/**
 * Sizes of a CoSteer experiment run.
 *
 * @param name {@code smoke} or {@code standard}
 * @param seeds seeds 1..seeds: each pre-trains its own cloud/device pair (initialization and data
 *     order) and draws its own candidates
 * @param corpusExamplesPerUser MovieLens (history, next liked item) examples per user in the
 *     pre-training corpus
 * @param corpusReviews Amazon reviews in the pre-training corpus
 * @param corpusUsers MovieLens users whose histories build the corpus (0: all)
 * @param vocab BPE vocabulary of the shared tokenizer
 * @param maxLen pre-training window and the models' positions
 * @param cloud the cloud model's shape and training
 * @param device the device model's shape and training
 * @param movieEvalUsers test users of task 1
 * @param reviewEvalPerPreference test reviews per style preference in task 2
 * @param movieMaxTokens new tokens per task 1 answer (a title)
 * @param reviewMaxTokens new tokens per task 2 answer (a review)
 * @param topKs k of the top-k wire variants
 */
public record SteerPreset(
    String name,
    int seeds,
    int corpusExamplesPerUser,
    int corpusReviews,
    int corpusUsers,
    int vocab,
    int maxLen,
    Model cloud,
    Model device,
    int movieEvalUsers,
    int reviewEvalPerPreference,
    int movieMaxTokens,
    int reviewMaxTokens,
    List<Integer> topKs) {

  /**
   * A model's shape and pre-training.
   *
   * @param steps optimizer steps of {@code batch} windows
   */
  public record Model(
      int layers, int hidden, int heads, int kvHeads, long steps, int batch, double lr) {
    public Model {
      if (layers < 1 || hidden < 8 || heads < 1 || hidden % heads != 0 || kvHeads < 1) {
        throw new IllegalArgumentException(
            "model shape: layers " + layers + ", hidden " + hidden + ", heads " + heads);
      }
      if (steps < 1 || batch < 1 || !(lr > 0)) {
        throw new IllegalArgumentException(
            "model training: steps " + steps + ", batch " + batch + ", lr " + lr);
      }
    }
  }

  public SteerPreset {
    topKs = List.copyOf(topKs);
    positive("seeds", seeds);
    positive("corpusExamplesPerUser", corpusExamplesPerUser);
    positive("corpusReviews", corpusReviews);
    positive("movieEvalUsers", movieEvalUsers);
    positive("reviewEvalPerPreference", reviewEvalPerPreference);
    positive("movieMaxTokens", movieMaxTokens);
    positive("reviewMaxTokens", reviewMaxTokens);
    if (corpusUsers < 0) {
      throw new IllegalArgumentException("corpusUsers must be >= 0, got " + corpusUsers);
    }
    if (vocab < 300 || maxLen < 32) {
      throw new IllegalArgumentException("vocab " + vocab + " / maxLen " + maxLen + " too small");
    }
    for (int k : topKs) {
      if (k < 1 || k > vocab) {
        throw new IllegalArgumentException("top-k " + k + " not in [1, vocab " + vocab + "]");
      }
    }
  }

  private static void positive(String field, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(field + " must be >= 1, got " + v);
    }
  }

  /** Minutes on two cores: every row and metric on a handful of examples (what CI runs). */
  public static SteerPreset smoke() {
    return new SteerPreset(
        "smoke",
        1,
        2,
        200,
        120,
        1024,
        256,
        new Model(2, 64, 4, 2, 40, 16, 3e-3),
        new Model(1, 32, 4, 2, 30, 16, 3e-3),
        6,
        2,
        12,
        16,
        List.of(16, 64));
  }

  /**
   * The reported run: 3 seeds, each pre-training its own pair; sized to finish within an hour on
   * the shared 2-core machine of the project under heavy load (9 minutes with {@code --jobs 3} at
   * load average 27 to 32, up to about 4 times that when the machine is busier). Small models,
   * short pre-training: see docs/RESULTS.md for what this can and cannot show.
   */
  public static SteerPreset standard() {
    return new SteerPreset(
        "standard",
        3,
        4,
        1200,
        300,
        1024,
        256,
        new Model(3, 96, 4, 2, 100, 8, 3e-3),
        new Model(2, 48, 4, 2, 100, 8, 3e-3),
        40,
        6,
        16,
        32,
        List.of(64, 256, 1024));
  }

  /**
   * The named preset.
   *
   * @throws IllegalArgumentException naming the known presets
   */
  public static SteerPreset named(String name) {
    return switch (name) {
      case "smoke" -> smoke();
      case "standard" -> standard();
      default ->
          throw new IllegalArgumentException(
              "unknown preset '" + name + "' (known: smoke, standard)");
    };
  }

  public SteerPreset withSeeds(int n) {
    return new SteerPreset(
        name,
        n,
        corpusExamplesPerUser,
        corpusReviews,
        corpusUsers,
        vocab,
        maxLen,
        cloud,
        device,
        movieEvalUsers,
        reviewEvalPerPreference,
        movieMaxTokens,
        reviewMaxTokens,
        topKs);
  }

  public SteerPreset withEval(int movieUsers, int reviewsPerPreference) {
    return new SteerPreset(
        name,
        seeds,
        corpusExamplesPerUser,
        corpusReviews,
        corpusUsers,
        vocab,
        maxLen,
        cloud,
        device,
        movieUsers,
        reviewsPerPreference,
        movieMaxTokens,
        reviewMaxTokens,
        topKs);
  }
}
