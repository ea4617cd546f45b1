package io.persona4j.federated.split;

/**
 * Training settings of a {@link SplitClientApp}. With {@code maxGradNorm > 0} (finite) the client
 * clips as core's {@code Trainer} does, by the global norm over both parties: it defers its updates
 * to an extra {@link SplitStage#CLIP_STEP} stage that carries the scale the server computed. The
 * server must be built with the same bound.
 *
 * @param learningRate constant AdamW learning rate of the client's layers, {@code > 0}
 * @param weightDecay AdamW decoupled weight decay, {@code >= 0}
 * @param batchSize examples per step, {@code >= 1}
 * @param seed seed of the data order
 * @param shuffle whether each epoch visits the examples in a seeded random order (the same order
 *     core's {@code Trainer} uses for the same seed), or in list order
 * @param padId padding token id, {@code >= 0}
 * @param maxGradNorm global L2 gradient-norm bound over the client's and server's adapter tensors;
 *     0 or {@code +inf} turns clipping off
 */
public record SplitClientConfig(
    double learningRate,
    double weightDecay,
    int batchSize,
    long seed,
    boolean shuffle,
    long padId,
    double maxGradNorm) {

  /** Settings without clipping ({@code maxGradNorm} 0). */
  public SplitClientConfig(
      double learningRate,
      double weightDecay,
      int batchSize,
      long seed,
      boolean shuffle,
      long padId) {
    this(learningRate, weightDecay, batchSize, seed, shuffle, padId, 0);
  }

  /** Validates the fields; errors name the field and value. */
  public SplitClientConfig {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (padId < 0) {
      throw new IllegalArgumentException("padId must be >= 0, got " + padId);
    }
    if (!(maxGradNorm >= 0)) {
      throw new IllegalArgumentException(
          "maxGradNorm must be >= 0 (0 or +inf: off), got " + maxGradNorm);
    }
  }

  /** Whether steps are clipped ({@code maxGradNorm} positive and finite). */
  public boolean clips() {
    return maxGradNorm > 0 && Double.isFinite(maxGradNorm);
  }
}
