/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Round control of a {@link FederatedServer}. Build with {@link #builder()}:
 *
 * <pre>{@code
 * ServerConfig c = ServerConfig.builder().setRounds(20)
 *     .setSampler(new ClientSampler(0.5, 3, seed)).optMinReplies(2)
 *     .optCheckpointDir(out.resolve("checkpoints")).optLogFile(out.resolve("accounting.jsonl"))
 *     .build();
 * }</pre>
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

  /** A builder: {@code setRounds} and {@code setSampler} required, the rest optional. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.rounds = rounds;
    b.sampler = sampler;
    b.minReplies = minReplies;
    b.roundDeadline = roundDeadline;
    b.maxRetries = maxRetries;
    b.maxUpdateNorm = maxUpdateNorm;
    b.checkpointDir = checkpointDir;
    b.logFile = logFile;
    return b;
  }

  /** Builds a {@link ServerConfig}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private Integer rounds;
    private ClientSampler sampler;
    private Integer minReplies;
    private Duration roundDeadline = Duration.ofMinutes(10);
    private int maxRetries;
    private double maxUpdateNorm = Double.POSITIVE_INFINITY;
    private Path checkpointDir;
    private Path logFile;

    private Builder() {}

    /** Number of rounds (required). */
    public Builder setRounds(int rounds) {
      this.rounds = rounds;
      return this;
    }

    /** Client sampling (required). */
    public Builder setSampler(ClientSampler sampler) {
      this.sampler = sampler;
      return this;
    }

    /** Minimum valid replies per round (default the sampler's {@code minClients}). */
    public Builder optMinReplies(int minReplies) {
      this.minReplies = minReplies;
      return this;
    }

    /** Time the grid waits for each attempt's replies (default 10 minutes). */
    public Builder optRoundDeadline(Duration roundDeadline) {
      this.roundDeadline = roundDeadline;
      return this;
    }

    /** Extra attempts of a round with too few valid replies (default 0). */
    public Builder optMaxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    /** Bound on a reply's update norm (default none). */
    public Builder optMaxUpdateNorm(double maxUpdateNorm) {
      this.maxUpdateNorm = maxUpdateNorm;
      return this;
    }

    /** Directory of the atomic state checkpoint (default none). */
    public Builder optCheckpointDir(Path checkpointDir) {
      this.checkpointDir = checkpointDir;
      return this;
    }

    /** JSONL accounting log (default none). */
    public Builder optLogFile(Path logFile) {
      this.logFile = logFile;
      return this;
    }

    /** The validated config. */
    public ServerConfig build() {
      if (rounds == null || sampler == null) {
        throw new IllegalArgumentException(
            "setRounds and setSampler are required, got rounds " + rounds + ", sampler " + sampler);
      }
      return new ServerConfig(
          rounds,
          sampler,
          minReplies != null ? minReplies : sampler.minClients(),
          roundDeadline,
          maxRetries,
          maxUpdateNorm,
          checkpointDir,
          logFile);
    }
  }
}
