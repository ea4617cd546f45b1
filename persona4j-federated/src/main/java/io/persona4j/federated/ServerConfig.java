package io.persona4j.federated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Round control of a {@link FederatedServer}.
 *
 * @param rounds total number of rounds, {@code >= 1}
 * @param sampler client sampling (fraction, minimum, seed)
 * @param minReplies minimum number of valid replies for a round to succeed, {@code >= 1}
 * @param roundDeadline time the grid waits for replies in each attempt, {@code > 0}
 * @param maxRetries extra attempts of a round that got too few valid replies, {@code >= 0}
 * @param maxUpdateNorm bound on {@code ||reply - sent||_2}, or {@code Double.POSITIVE_INFINITY}
 * @param checkpointDir directory of the atomic state checkpoint, or null for none
 * @param logFile JSONL accounting log (appended), or null for none
 */
public record ServerConfig(
    int rounds,
    ClientSampler sampler,
    int minReplies,
    Duration roundDeadline,
    int maxRetries,
    double maxUpdateNorm,
    Path checkpointDir,
    Path logFile) {

  /** Validates the fields. */
  public ServerConfig {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
    }
    Objects.requireNonNull(sampler, "sampler");
    if (minReplies < 1) {
      throw new IllegalArgumentException("minReplies must be >= 1, got " + minReplies);
    }
    Objects.requireNonNull(roundDeadline, "roundDeadline");
    if (roundDeadline.isNegative() || roundDeadline.isZero()) {
      throw new IllegalArgumentException("roundDeadline must be > 0, got " + roundDeadline);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
    }
    if (!(maxUpdateNorm > 0)) {
      throw new IllegalArgumentException("maxUpdateNorm must be > 0, got " + maxUpdateNorm);
    }
  }

  /** A copy with another checkpoint directory and log file. */
  public ServerConfig withFiles(Path checkpointDir, Path logFile) {
    return new ServerConfig(
        rounds,
        sampler,
        minReplies,
        roundDeadline,
        maxRetries,
        maxUpdateNorm,
        checkpointDir,
        logFile);
  }

  /** A copy with another number of rounds. */
  public ServerConfig withRounds(int rounds) {
    return new ServerConfig(
        rounds,
        sampler,
        minReplies,
        roundDeadline,
        maxRetries,
        maxUpdateNorm,
        checkpointDir,
        logFile);
  }
}
