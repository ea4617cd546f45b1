/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Grid;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.StateCheckpoint;
import io.persona4j.federated.Strategy;
import io.persona4j.federated.privacy.DpFedAvg;
import io.persona4j.federated.privacy.PrivacyBudgetExceededException;
import io.persona4j.privacy.RandomSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The server side of a federated LoRA run, over any {@link Grid} (in memory or gRPC): builds the
 * initial adapter on the base model, the strategy ({@link AggregationStrategy}, wrapped in
 * DP-FedAvg when {@link FederatedLoraConfig#dp()} is set) and secure aggregation around the grid,
 * runs {@link FederatedServer} with checkpoints and the accounting log, then writes the final
 * adapter in PEFT layout, the chart and a JSON summary. The clients run {@link FederatedLoraClient}
 * inside a {@link io.persona4j.federated.privacy.PrivacyStack}.
 *
 * <p>Files under the output directory: {@code adapter/} (PEFT), {@code accounting.jsonl}, {@code
 * metrics.png}, {@code summary.json} and, unless another directory is given, {@code checkpoints/}.
 *
 * <pre>{@code
 * FederatedLoraRun.Result r = FederatedLoraRun.builder()
 *     .setConfig(config).setBase(base).setGrid(grid).setOutput(Path.of("fed-out"))
 *     .optProgress(System.err::println)
 *     .build()
 *     .run();
 * }</pre>
 *
 * <p>A run with DP stops cleanly before a round that would exceed the epsilon budget ({@link
 * Result#stoppedBy()}); too few valid replies after the retries end it with a {@link
 * io.persona4j.federated.FederatedRunException}; the checkpoint of the last completed round stays,
 * and a run built with {@code optResume(true)} continues from it.
 */
public final class FederatedLoraRun {

  /**
   * What a run produced.
   *
   * @param state the final server state
   * @param adapter the PEFT adapter directory
   * @param log the accounting log
   * @param chart the chart
   * @param summary {@code summary.json}
   * @param epsilon the DP epsilon spent, or null without DP
   * @param stoppedBy why a DP run stopped early, or null
   */
  public record Result(
      ServerState state,
      Path adapter,
      Path log,
      Path chart,
      Path summary,
      Double epsilon,
      String stoppedBy) {}

  private final FederatedLoraConfig config;
  private final LoraBase base;
  private final Grid grid;
  private final Path out;
  private final Path checkpoints;
  private final int population;
  private final boolean resume;
  private final Consumer<String> progress;

  private FederatedLoraRun(Builder b) {
    this.config = b.config;
    this.base = b.base;
    this.grid = b.grid;
    this.out = b.out;
    this.checkpoints = b.checkpoints != null ? b.checkpoints : b.out.resolve("checkpoints");
    this.population = b.population != null ? b.population : b.grid.clients().size();
    this.resume = b.resume;
    this.progress = b.progress;
  }

  /** A builder: config, base model, grid and output directory required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The checkpoint directory. */
  public Path checkpoints() {
    return checkpoints;
  }

  /**
   * Refuses to silently continue or overwrite: without {@code resume} an existing checkpoint in
   * {@code checkpoints} is an error; with it, a missing checkpoint is. {@link #run()} checks this
   * first; call it earlier to fail before loading anything.
   *
   * @return the checkpointed round, or 0 without a checkpoint
   * @throws IllegalArgumentException on either mistake, saying what to do
   * @throws IOException if the checkpoint is unreadable or malformed (naming the file)
   */
  public static int checkResume(Path checkpoints, boolean resume) throws IOException {
    Optional<ServerState> saved =
        Files.isDirectory(checkpoints) ? new StateCheckpoint(checkpoints).load() : Optional.empty();
    if (saved.isPresent() && !resume) {
      throw new IllegalArgumentException(
          "a checkpoint exists in "
              + checkpoints
              + ": pass --resume to continue that run, or remove it (or use another --out)");
    }
    if (saved.isEmpty() && resume) {
      throw new IllegalArgumentException(
          "--resume: no checkpoint in " + checkpoints + " (nothing to resume)");
    }
    return saved.map(ServerState::round).orElse(0);
  }

  /**
   * Runs the configured rounds (after the checkpoint's, when resuming).
   *
   * @throws IllegalArgumentException when resuming without a checkpoint, or not resuming with one
   * @throws IOException when the base model, a checkpoint or an output cannot be read or written
   */
  public Result run() throws IOException {
    int done = checkResume(checkpoints, resume);
    Files.createDirectories(out);
    if (done >= config.rounds()) {
      progress.accept(
          "the run already finished all "
              + config.rounds()
              + " rounds (checkpoint in "
              + checkpoints
              + "): no round to run; rewriting its adapter, chart and summary");
    }
    LoraClientSettings clients = config.clientSettings();
    base.ensureAdapter(clients.lora(), config.seed());
    ParameterSet initial = base.initialValues(clients.lora(), config.seed());
    warnIfTheNoiseExceedsTheNormBound(initial.flatten().length);
    Strategy strategy = config.strategy().create(config.mu(), clients.toInstructionConfig());
    DpFedAvg dp = null;
    if (config.dp() != null) {
      dp =
          new DpFedAvg(
              strategy,
              config.dp().toDpConfig(population, config.secagg().enabled()),
              RandomSource.secure());
      strategy = dp;
    }
    Path log = out.resolve("accounting.jsonl");
    FederatedServer server =
        new FederatedServer(
            config.secagg().wrap(grid, population),
            strategy,
            config.serverConfig(checkpoints, log),
            new ProgressLine(progress, config.rounds(), dp == null ? null : dp::epsilon));
    ServerState end;
    String stoppedBy = null;
    try {
      end = server.run(ServerState.initial(initial));
    } catch (PrivacyBudgetExceededException e) {
      end = e.lastState();
      stoppedBy = e.getMessage();
      progress.accept("stopped: " + e.getMessage());
    }
    return finish(end, log, stoppedBy, dp == null ? null : dp.epsilon());
  }

  /**
   * With distributed DP every reply carries its client's share of the noise (under secure
   * aggregation, the aggregate carries all of it), whose norm grows with the adapter's size: a
   * {@code maxUpdateNorm} below it rejects every reply. Says so before round 1.
   */
  private void warnIfTheNoiseExceedsTheNormBound(int values) {
    if (!config.distributedDp() || Double.isInfinite(config.maxUpdateNorm())) {
      return;
    }
    int n =
        Math.min(
            population,
            Math.max(config.minClients(), (int) Math.ceil(config.fraction() * population - 1e-9)));
    double std = config.dp().noiseMultiplier() * config.dp().clip();
    double noise =
        config.secagg().enabled() ? std * Math.sqrt(values) / n : std * Math.sqrt(values / n);
    if (config.maxUpdateNorm() < noise + config.dp().clip()) {
      progress.accept(
          String.format(
              java.util.Locale.ROOT,
              "warning: maxUpdateNorm %s is below the norm of the DP noise a reply carries (about"
                  + " %.1f for %d adapter values and %d sampled clients, plus the clip %s): the"
                  + " server will reject the replies; raise maxUpdateNorm above %.0f",
              config.maxUpdateNorm(),
              noise,
              values,
              n,
              config.dp().clip(),
              Math.ceil(1.2 * (noise + config.dp().clip()))));
    }
  }

  /** Writes the adapter, the chart and the summary of the final state. */
  private Result finish(ServerState end, Path log, String stoppedBy, Double epsilon)
      throws IOException {
    Path adapter = out.resolve("adapter");
    base.saveAdapter(end.global(), adapter);
    Path chart = out.resolve("metrics.png");
    RunChart.write(log, chart);
    Path summary = out.resolve("summary.json");
    new RunSummary(
            end.round(),
            adapter,
            log,
            chart,
            checkpoints,
            config.secagg().protocol().label(),
            stoppedBy,
            epsilon,
            config.dp() == null ? null : config.dp().delta())
        .write(summary);
    progress.accept("federated run done after round " + end.round());
    progress.accept("adapter: " + adapter);
    progress.accept("accounting log: " + log);
    progress.accept("chart: " + chart);
    if (epsilon != null) {
      progress.accept(
          String.format(
              java.util.Locale.ROOT,
              "privacy: epsilon %.4f at delta %s",
              epsilon,
              config.dp().delta()));
    }
    return new Result(end, adapter, log, chart, summary, epsilon, stoppedBy);
  }

  /** Builds a {@link FederatedLoraRun}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private FederatedLoraConfig config;
    private LoraBase base;
    private Grid grid;
    private Path out;
    private Path checkpoints;
    private Integer population;
    private boolean resume;
    private Consumer<String> progress = line -> {};

    private Builder() {}

    /** The run's settings (required). */
    public Builder setConfig(FederatedLoraConfig config) {
      this.config = config;
      return this;
    }

    /** The base model: the adapter's initial values and the result's layout (required). */
    public Builder setBase(LoraBase base) {
      this.base = base;
      return this;
    }

    /** The transport to the clients, without secure aggregation (added here) (required). */
    public Builder setGrid(Grid grid) {
      this.grid = grid;
      return this;
    }

    /** The output directory (required). */
    public Builder setOutput(Path out) {
      this.out = out;
      return this;
    }

    /** The checkpoint directory (default {@code <output>/checkpoints}). */
    public Builder optCheckpointDir(Path checkpoints) {
      this.checkpoints = checkpoints;
      return this;
    }

    /**
     * The number of clients samples are drawn from, for DP's sampling rate and SecAgg+'s degree
     * (default the grid's clients when the run is built; give the registered clients for a server
     * whose clients connect later).
     */
    public Builder optPopulation(int population) {
      this.population = population;
      return this;
    }

    /** Continue from the checkpoint, which must exist (default false: it must not). */
    public Builder optResume(boolean resume) {
      this.resume = resume;
      return this;
    }

    /** Where progress lines go: one per round attempt, then the outputs (default nowhere). */
    public Builder optProgress(Consumer<String> progress) {
      this.progress = progress;
      return this;
    }

    /** The run (nothing runs before {@link FederatedLoraRun#run()}). */
    public FederatedLoraRun build() {
      Objects.requireNonNull(config, "setConfig is required");
      Objects.requireNonNull(base, "setBase is required");
      Objects.requireNonNull(grid, "setGrid is required");
      Objects.requireNonNull(out, "setOutput is required");
      Objects.requireNonNull(progress, "progress");
      if (population != null && population < 1) {
        throw new IllegalArgumentException("population must be >= 1, got " + population);
      }
      return new FederatedLoraRun(this);
    }
  }
}
