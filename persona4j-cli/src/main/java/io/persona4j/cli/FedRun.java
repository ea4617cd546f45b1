package io.persona4j.cli;

import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Grid;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.StateCheckpoint;
import io.persona4j.federated.Strategy;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.federated.privacy.DpConfig;
import io.persona4j.federated.privacy.DpFedAvg;
import io.persona4j.federated.privacy.PrivacyBudgetExceededException;
import io.persona4j.federated.privacy.SecureAggregationGrid;
import io.persona4j.federated.strategy.FedAvg;
import io.persona4j.federated.strategy.FedProx;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.encoding.FixedPoint;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server side shared by {@code fed server} (over gRPC) and {@code fed simulate} (in memory):
 * builds the initial adapter on the base model, the strategy (FedAvg or FedProx, wrapped in
 * DP-FedAvg when configured) and the grid decorators (secure aggregation, progress), runs {@link
 * FederatedServer} with checkpoints and the JSONL accounting log, then writes the final adapter in
 * PEFT layout, the per-round chart and a JSON summary.
 *
 * <p>Files under {@code out}: {@code adapter/} (PEFT), {@code accounting.jsonl}, {@code
 * metrics.png}, {@code summary.json} and, unless the config names another place, {@code
 * checkpoints/}.
 */
final class FedRun {

  /** What a run produced. */
  record Result(ServerState state, Path adapter, Path log, Path chart, Double epsilon) {}

  private FedRun() {}

  /** The checkpoint directory of a run. */
  static Path checkpointDir(FedConfig c, Path configFile, Path out) {
    return c.checkpointDir() == null
        ? out.resolve("checkpoints")
        : FedConfig.resolve(configFile, c.checkpointDir());
  }

  /**
   * Refuses to silently continue or overwrite: without {@code resume} an existing checkpoint is an
   * error; with it, a missing checkpoint is. (A DP run resumes with its accountant: DP-FedAvg's
   * history is part of the checkpoint.)
   */
  static void checkResume(FedConfig c, Path checkpoints, boolean resume) throws IOException {
    boolean exists =
        Files.isDirectory(checkpoints) && new StateCheckpoint(checkpoints).load().isPresent();
    if (exists && !resume) {
      throw new IllegalArgumentException(
          "a checkpoint exists in "
              + checkpoints
              + ": pass --resume to continue that run, or remove it (or use another --out)");
    }
    if (!exists && resume) {
      throw new IllegalArgumentException(
          "--resume: no checkpoint in " + checkpoints + " (nothing to resume)");
    }
  }

  /**
   * Runs the configured rounds over {@code grid} (raw transport: secure aggregation is added here)
   * with {@code population} clients in total, using {@code base} for the adapter's initial values
   * and for saving the result.
   */
  static Result run(
      FedConfig c,
      Path configFile,
      Grid grid,
      int population,
      FedLoraClient.Base base,
      Path out,
      PrintStream err)
      throws IOException {
    Files.createDirectories(out);
    Map<String, Object> clientConfig = FedLoraClient.clientConfig(c);
    base.ensureLoaded();
    Map<String, Object> adapterSettings = new LinkedHashMap<>(clientConfig);
    adapterSettings
        .keySet()
        .retainAll(
            List.of(
                FedLoraClient.LORA_R,
                FedLoraClient.LORA_ALPHA,
                FedLoraClient.LORA_DROPOUT,
                FedLoraClient.LORA_TARGETS));
    ParameterSet initial;
    synchronized (base.lora()) {
      base.ensureAdapter(adapterSettings, c.seed());
      initial = LoraParameters.read(base.lora(), FedLoraClient.ADAPTER);
    }
    Strategy strategy =
        c.strategy().equals("fedprox")
            ? new FedProx(c.mu(), clientConfig)
            : new FedAvg(clientConfig);
    DpFedAvg dp = null;
    if (c.dp() != null) {
      FedConfig.Dp d = c.dp();
      DpConfig cfg =
          new DpConfig(
              d.clip(),
              d.noiseMultiplier(),
              c.distributedDp() ? DpConfig.NoiseMode.DISTRIBUTED : DpConfig.NoiseMode.CENTRAL,
              population,
              d.delta(),
              d.epsilonBudget() == null ? Double.POSITIVE_INFINITY : d.epsilonBudget(),
              null);
      dp = new DpFedAvg(strategy, cfg, RandomSource.secure());
      strategy = dp;
    }
    DpFedAvg dpRef = dp;
    FedProgress progress = new FedProgress(err, c.rounds(), dpRef == null ? null : dpRef::epsilon);
    Grid transport = grid;
    if (c.secureAggregation()) {
      FedConfig.SecAggOptions s = c.secaggOptions();
      int degree = 0;
      if (c.secagg().equals("secagg+")) {
        degree = s.degree() != null ? s.degree() : defaultDegree(population);
      }
      transport =
          new SecureAggregationGrid(
              grid,
              new FixedPoint(s.clip(), s.scale(), 1L << s.modulusBits()),
              s.threshold(),
              degree);
    }
    Path log = out.resolve("accounting.jsonl");
    Path checkpoints = checkpointDir(c, configFile, out);
    ServerConfig sc =
        new ServerConfig(
            c.rounds(),
            new ClientSampler(c.fraction(), c.minClients(), c.seed()),
            c.minReplies(),
            Duration.ofMillis(Math.round(c.roundDeadlineSeconds() * 1000)),
            c.retries(),
            c.maxUpdateNorm() == null ? Double.POSITIVE_INFINITY : c.maxUpdateNorm(),
            checkpoints,
            log);
    FederatedServer server =
        new FederatedServer(progress.grid(transport), progress.strategy(strategy), sc);
    ServerState end;
    String stoppedBy = null;
    try {
      end = server.run(ServerState.initial(initial));
    } catch (PrivacyBudgetExceededException e) {
      end = e.lastState();
      stoppedBy = e.getMessage();
      err.println("stopped: " + e.getMessage());
    }

    Path adapter = out.resolve("adapter");
    synchronized (base.lora()) {
      LoraParameters.load(base.lora(), FedLoraClient.ADAPTER, end.global());
      base.lora().save(FedLoraClient.ADAPTER, adapter);
    }
    Path chart = out.resolve("metrics.png");
    FedChart.write(chart, FedChart.read(log));
    Double epsilon = dpRef == null ? null : dpRef.epsilon();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("rounds", end.round());
    summary.put("adapter", adapter.toString());
    summary.put("accountingLog", log.toString());
    summary.put("chart", chart.toString());
    summary.put("checkpoints", checkpoints.toString());
    summary.put("secagg", c.secagg());
    if (stoppedBy != null) {
      summary.put("stoppedBy", stoppedBy);
    }
    if (dpRef != null) {
      summary.put("epsilon", epsilon);
      summary.put("delta", c.dp().delta());
    }
    Files.writeString(out.resolve("summary.json"), Json.write(summary) + "\n");
    err.printf("federated run done after round %d%n", end.round());
    err.println("adapter: " + adapter);
    err.println("accounting log: " + log);
    err.println("chart: " + chart);
    if (epsilon != null) {
      err.printf("privacy: epsilon %.4f at delta %s%n", epsilon, c.dp().delta());
    }
    return new Result(end, adapter, log, chart, epsilon);
  }

  /** SecAgg+ default degree: the smallest even number {@code >= 2 log2 n}. */
  static int defaultDegree(int n) {
    int k = (int) Math.ceil(2 * Math.log(Math.max(2, n)) / Math.log(2));
    return k % 2 == 0 ? k : k + 1;
  }
}
