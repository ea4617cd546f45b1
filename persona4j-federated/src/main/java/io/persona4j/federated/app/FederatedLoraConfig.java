/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.privacy.DpConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a federated LoRA run needs to know besides its base model, clients and transport: the
 * adapter, the aggregation, round control, the clients' local training, privacy and secure
 * aggregation. The same settings as {@code server.json} (the CLI maps that file onto this record;
 * component names are its field names, and errors name the field and the value). Build with {@link
 * #builder()}:
 *
 * <pre>{@code
 * FederatedLoraConfig config = FederatedLoraConfig.builder()
 *     .setLora(LoraSettings.builder().setR(8).setAlpha(16).build())
 *     .optRounds(20)
 *     .optStrategy(AggregationStrategy.FEDPROX).optMu(0.01)
 *     .optMinClients(3).optMinReplies(2).optLocalSteps(10)
 *     .optDp(DpSettings.builder().setClip(1).setNoiseMultiplier(1).setDelta(1e-5).build())
 *     .build();
 * }</pre>
 *
 * @param lora the adapter trained federatedly
 * @param strategy how updates are aggregated (default {@link AggregationStrategy#FEDAVG})
 * @param mu FedProx's proximal coefficient, finite and {@code >= 0}; positive only with {@link
 *     AggregationStrategy#FEDPROX} (default 0.01 with FedProx, else 0)
 * @param rounds number of rounds, {@code >= 1} (default 1)
 * @param fraction fraction of the available clients sampled per round, in (0, 1] (default 1)
 * @param minClients minimum clients sampled per round, {@code >= 1} (default 1)
 * @param minReplies minimum valid replies for a round to succeed, {@code >= 1} (default {@code
 *     minClients})
 * @param roundDeadline time the server waits for a round's replies, {@code > 0} (default 600 s)
 * @param retries extra attempts of a round with too few valid replies, {@code >= 0} (default 0)
 * @param localSteps optimizer steps per client per round, {@code >= 1} (default 1)
 * @param learningRate clients' constant AdamW learning rate, finite and {@code > 0} (default 1e-3)
 * @param batchSize clients' micro-batch size, {@code >= 1} (default 4)
 * @param seed seed of the adapter initialization, client sampling and local training (default 0)
 * @param maxUpdateNorm replies whose update L2 norm exceeds it are rejected, {@code > 0} ({@code
 *     Double.POSITIVE_INFINITY}: no bound, the default)
 * @param secagg secure aggregation (default {@link SecAggSettings#NONE})
 * @param dp client-level DP-FedAvg, or null for none (the default)
 */
public record FederatedLoraConfig(
    LoraSettings lora,
    AggregationStrategy strategy,
    double mu,
    int rounds,
    double fraction,
    int minClients,
    int minReplies,
    Duration roundDeadline,
    int retries,
    int localSteps,
    double learningRate,
    int batchSize,
    long seed,
    double maxUpdateNorm,
    SecAggSettings secagg,
    DpSettings dp) {

  /** Validates every field and their combinations. */
  public FederatedLoraConfig {
    Fields.require(lora != null, "lora", null, "is required");
    Objects.requireNonNull(strategy, "strategy");
    Fields.require(mu >= 0 && Double.isFinite(mu), "mu", mu, "must be a number >= 0");
    Fields.require(
        mu == 0 || strategy == AggregationStrategy.FEDPROX,
        "mu",
        mu,
        "is only used by strategy fedprox");
    Fields.require(rounds >= 1, "rounds", rounds, "must be >= 1");
    Fields.require(fraction > 0 && fraction <= 1, "fraction", fraction, "must be in (0, 1]");
    Fields.require(minClients >= 1, "minClients", minClients, "must be >= 1");
    Fields.require(minReplies >= 1, "minReplies", minReplies, "must be >= 1");
    Fields.require(
        roundDeadline != null && !roundDeadline.isNegative() && !roundDeadline.isZero(),
        "roundDeadlineSeconds",
        roundDeadline == null ? null : roundDeadline.toMillis() / 1000.0,
        "must be a number > 0");
    Fields.require(retries >= 0, "retries", retries, "must be >= 0");
    Fields.require(maxUpdateNorm > 0, "maxUpdateNorm", maxUpdateNorm, "must be a number > 0");
    Objects.requireNonNull(secagg, "secagg");
    Fields.require(
        dp == null || dp.mode() != DpConfig.NoiseMode.CENTRAL || !secagg.enabled(),
        "dp.mode",
        "central",
        "cannot be combined with secure aggregation (the server never sees single updates):"
            + " use distributed");
    // the clients' settings validate themselves (localSteps, learningRate, batchSize)
    new LoraClientSettings(lora, localSteps, learningRate, batchSize, seed);
  }

  /** What every instruction carries to the clients. */
  public LoraClientSettings clientSettings() {
    return new LoraClientSettings(lora, localSteps, learningRate, batchSize, seed);
  }

  /** Whether DP noise is added by the clients (DP on, and distributed by choice or by default). */
  public boolean distributedDp() {
    return dp != null && dp.modeWith(secagg.enabled()) == DpConfig.NoiseMode.DISTRIBUTED;
  }

  /**
   * The server's round control, checkpointing into {@code checkpointDir}, logging to {@code log}.
   */
  public ServerConfig serverConfig(Path checkpointDir, Path log) {
    return ServerConfig.builder()
        .setRounds(rounds)
        .setSampler(new ClientSampler(fraction, minClients, seed))
        .optMinReplies(minReplies)
        .optRoundDeadline(roundDeadline)
        .optMaxRetries(retries)
        .optMaxUpdateNorm(maxUpdateNorm)
        .optCheckpointDir(checkpointDir)
        .optLogFile(log)
        .build();
  }

  /** A builder: {@code setLora} required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link FederatedLoraConfig}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private LoraSettings lora;
    private AggregationStrategy strategy = AggregationStrategy.FEDAVG;
    private Double mu;
    private int rounds = 1;
    private double fraction = 1.0;
    private int minClients = 1;
    private Integer minReplies;
    private Duration roundDeadline = Duration.ofMinutes(10);
    private int retries;
    private int localSteps = 1;
    private double learningRate = 1e-3;
    private int batchSize = 4;
    private long seed;
    private double maxUpdateNorm = Double.POSITIVE_INFINITY;
    private SecAggSettings secagg = SecAggSettings.NONE;
    private DpSettings dp;

    private Builder() {}

    /** The adapter (required). */
    public Builder setLora(LoraSettings lora) {
      this.lora = lora;
      return this;
    }

    /** Number of rounds (default 1). */
    public Builder optRounds(int rounds) {
      this.rounds = rounds;
      return this;
    }

    /** Aggregation (default FedAvg). */
    public Builder optStrategy(AggregationStrategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /** FedProx's proximal coefficient (default 0.01 with FedProx, else 0). */
    public Builder optMu(double mu) {
      this.mu = mu;
      return this;
    }

    /** Fraction of available clients sampled per round (default 1). */
    public Builder optFraction(double fraction) {
      this.fraction = fraction;
      return this;
    }

    /** Minimum clients sampled per round (default 1). */
    public Builder optMinClients(int minClients) {
      this.minClients = minClients;
      return this;
    }

    /** Minimum valid replies per round (default {@code minClients}). */
    public Builder optMinReplies(int minReplies) {
      this.minReplies = minReplies;
      return this;
    }

    /** Time the server waits for a round's replies (default 600 s). */
    public Builder optRoundDeadline(Duration roundDeadline) {
      this.roundDeadline = roundDeadline;
      return this;
    }

    /** Extra attempts of a round with too few valid replies (default 0). */
    public Builder optRetries(int retries) {
      this.retries = retries;
      return this;
    }

    /** Optimizer steps per client per round (default 1). */
    public Builder optLocalSteps(int localSteps) {
      this.localSteps = localSteps;
      return this;
    }

    /** Clients' learning rate (default 1e-3). */
    public Builder optLearningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** Clients' micro-batch size (default 4). */
    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Seed of initialization, sampling and local training (default 0). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Bound on a client's update norm (default none). */
    public Builder optMaxUpdateNorm(double maxUpdateNorm) {
      this.maxUpdateNorm = maxUpdateNorm;
      return this;
    }

    /** Secure aggregation (default none). */
    public Builder optSecAgg(SecAggSettings secagg) {
      this.secagg = secagg;
      return this;
    }

    /** Client-level DP-FedAvg (default none). */
    public Builder optDp(DpSettings dp) {
      this.dp = dp;
      return this;
    }

    /** The validated config. */
    public FederatedLoraConfig build() {
      Fields.require(lora != null, "lora", null, "is required");
      return new FederatedLoraConfig(
          lora,
          strategy,
          mu != null ? mu : (strategy == AggregationStrategy.FEDPROX ? 0.01 : 0.0),
          rounds,
          fraction,
          minClients,
          minReplies != null ? minReplies : minClients,
          roundDeadline,
          retries,
          localSteps,
          learningRate,
          batchSize,
          seed,
          maxUpdateNorm,
          secagg,
          dp);
    }
  }
}
