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
    long padId) {

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
  }
}
