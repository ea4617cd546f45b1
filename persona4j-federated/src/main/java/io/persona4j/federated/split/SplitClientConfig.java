package io.persona4j.federated.split;

/**
 * Training settings of a {@link SplitClientApp}. There is no gradient-norm clipping: a global norm
 * over both parties would need another exchange per step, so split steps equal unclipped steps.
 *
 * @param learningRate constant AdamW learning rate of the client's layers, {@code > 0}
 * @param weightDecay AdamW decoupled weight decay, {@code >= 0}
 * @param batchSize examples per step, {@code >= 1}
 * @param seed seed of the data order
 * @param shuffle whether each epoch visits the examples in a seeded random order (the same order
 *     core's {@code Trainer} uses for the same seed), or in list order
 * @param padId padding token id, {@code >= 0}
 */
public record SplitClientConfig(
    double learningRate,
    double weightDecay,
    int batchSize,
    long seed,
    boolean shuffle,
    long padId) {

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
  }
}
