package io.persona4j.federated.lora;

import io.persona4j.federated.privacy.DpSgdConfig;

/**
 * Local training settings of a {@link LoraClientApp}.
 *
 * @param learningRate constant AdamW learning rate, {@code > 0}
 * @param localSteps optimizer steps per round unless the instruction's {@value
 *     LoraClientApp#LOCAL_STEPS} overrides it, {@code >= 1}
 * @param microBatchSize examples per step, {@code >= 1}
 * @param maxGradNorm global gradient-norm clip, or 0 for none, {@code >= 0}
 * @param weightDecay AdamW decoupled weight decay, {@code >= 0}
 * @param seed base seed of data order and LoRA dropout (combined with the round number)
 * @param padId padding token id
 * @param dpSgd sample-level DP-SGD for local training, or null for ordinary training (then {@code
 *     microBatchSize} and {@code maxGradNorm} apply; with DP-SGD the batch size and per-example
 *     clip come from this section)
 */
public record LoraClientConfig(
    double learningRate,
    int localSteps,
    int microBatchSize,
    double maxGradNorm,
    double weightDecay,
    long seed,
    long padId,
    DpSgdConfig dpSgd) {

  /** Validates the fields. */
  public LoraClientConfig {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
    }
    if (localSteps < 1) {
      throw new IllegalArgumentException("localSteps must be >= 1, got " + localSteps);
    }
    if (microBatchSize < 1) {
      throw new IllegalArgumentException("microBatchSize must be >= 1, got " + microBatchSize);
    }
    if (!(maxGradNorm >= 0) || !Double.isFinite(maxGradNorm)) {
      throw new IllegalArgumentException("maxGradNorm must be >= 0, got " + maxGradNorm);
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
    }
  }

  /** Ordinary (non-private) local training. */
  public LoraClientConfig(
      double learningRate,
      int localSteps,
      int microBatchSize,
      double maxGradNorm,
      double weightDecay,
      long seed,
      long padId) {
    this(learningRate, localSteps, microBatchSize, maxGradNorm, weightDecay, seed, padId, null);
  }

  /** A copy with DP-SGD local training (null: ordinary training). */
  public LoraClientConfig withDpSgd(DpSgdConfig dp) {
    return new LoraClientConfig(
        learningRate, localSteps, microBatchSize, maxGradNorm, weightDecay, seed, padId, dp);
  }

  /** Learning rate and steps with defaults: batch 4, clip 1.0, no weight decay, seed 0, pad 0. */
  public static LoraClientConfig of(double learningRate, int localSteps) {
    return new LoraClientConfig(learningRate, localSteps, 4, 1.0, 0.0, 0, 0);
  }
}
