/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.secfpp;

/**
 * Local settings of a {@link SecFppClientApp}.
 *
 * @param learningRate constant AdamW learning rate, {@code > 0}
 * @param localSteps optimizer steps per FIT round, {@code >= 1}
 * @param warmupSteps local steps before the client's domain prompt is clustered, {@code >= 1}
 * @param microBatchSize examples per step, {@code >= 1}
 * @param trainLocal whether P_L is trained (SecFPP, local-only) or kept at zero (FedAvg / DP on the
 *     full prompt, where P_G is the whole prompt)
 * @param projectionDim dimension r of the shared random projection used for clustering, {@code >=
 *     1}
 * @param projectionSeed the seed all clients share for the projection
 * @param seed base seed of data order (combined with the round)
 * @param padId padding token id
 * @param clusterSignal what the client's clustering vector is computed from (SecFPP clusters the
 *     domain prompts, {@link ClusterSignal#PROMPT_DRIFT})
 */
public record SecFppClientConfig(
    double learningRate,
    int localSteps,
    int warmupSteps,
    int microBatchSize,
    boolean trainLocal,
    int projectionDim,
    long projectionSeed,
    long seed,
    long padId,
    ClusterSignal clusterSignal) {

  /** What a client reduces, normalizes and contributes to the secure clustering. */
  public enum ClusterSignal {
    /**
     * SecFPP's: the move of the domain prompt during the warm-up, {@code P_G - P_G0}, after {@code
     * warmupSteps} local steps.
     */
    PROMPT_DRIFT,
    /**
     * A diagnostic variant (not the paper's): the mean over the client's training texts of the
     * frozen encoder's mean-pooled output without any prompt, a direct summary of the client's
     * input domain; no training before clustering.
     */
    DATA_EMBEDDING
  }

  /** SecFPP's clustering signal ({@link ClusterSignal#PROMPT_DRIFT}). */
  public SecFppClientConfig(
      double learningRate,
      int localSteps,
      int warmupSteps,
      int microBatchSize,
      boolean trainLocal,
      int projectionDim,
      long projectionSeed,
      long seed,
      long padId) {
    this(
        learningRate,
        localSteps,
        warmupSteps,
        microBatchSize,
        trainLocal,
        projectionDim,
        projectionSeed,
        seed,
        padId,
        ClusterSignal.PROMPT_DRIFT);
  }

  /** Validates every field, naming it and its value. */
  public SecFppClientConfig {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
    }
    if (localSteps < 1) {
      throw new IllegalArgumentException("localSteps must be >= 1, got " + localSteps);
    }
    if (warmupSteps < 1) {
      throw new IllegalArgumentException("warmupSteps must be >= 1, got " + warmupSteps);
    }
    if (microBatchSize < 1) {
      throw new IllegalArgumentException("microBatchSize must be >= 1, got " + microBatchSize);
    }
    if (projectionDim < 1) {
      throw new IllegalArgumentException("projectionDim must be >= 1, got " + projectionDim);
    }
    if (clusterSignal == null) {
      throw new IllegalArgumentException("clusterSignal must not be null");
    }
  }
}
