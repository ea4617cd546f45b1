/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.app.FederatedLoraClient;
import io.persona4j.federated.app.FederatedLoraRun;
import io.persona4j.federated.app.LoraBase;
import io.persona4j.federated.privacy.PrivacyStack;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.privacy.RandomSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code persona4j fed simulate}: the federated run of a server.json in one process. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Run a server.json's federated training in one process (in-memory grid, the clients share"
          + " one base model). Client ids are the data files' names without .jsonl, so a gRPC run"
          + " with the same ids and seeds gives the same adapter.",
      "Every client's data is read and checked before round 1 (--on-bad-row skip skips"
          + " malformed rows). Writes the same files as fed server into --out."
    })
final class FedSimulateCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "server.json.")
  Path config;

  @Option(names = "--clients", required = true, description = "Number of clients N.")
  int clients;

  @Option(
      names = "--data",
      required = true,
      split = ",",
      description = "A directory of N+ .jsonl files (the first N sorted), or N files.")
  List<Path> data;

  @Option(
      names = "--out",
      defaultValue = "fed-sim",
      description = "Output directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--resume", description = "Continue the run from its checkpoint.")
  boolean resume;

  @Mixin FedDataOptions dataOptions;

  @Override
  public Integer call() throws Exception {
    if (clients < 1) {
      throw new IllegalArgumentException("--clients must be >= 1, got " + clients);
    }
    FedConfig c = FedConfig.load(config);
    Path checkpoints = c.checkpoints(config, out);
    FederatedLoraRun.checkResume(checkpoints, resume);
    Map<String, Path> files = clientFiles(data, clients);
    try (LoraBase base = new LoraBase(FedConfig.resolve(config, c.baseModel()))) {
      base.ensureLoaded();
      // every client's data is read and checked before round 1
      Map<String, ClientApp> apps = new TreeMap<>();
      for (Map.Entry<String, Path> e : files.entrySet()) {
        FederatedLoraClient train =
            FederatedLoraClient.builder()
                .setBase(base)
                .setExamples(dataOptions.read(base, e.getKey(), e.getValue(), System.err))
                .build();
        apps.put(e.getKey(), new PrivacyStack(train, RandomSource.secure()));
      }
      System.err.printf("simulating %d clients %s%n", apps.size(), apps.keySet());
      try (InMemoryGrid grid = new InMemoryGrid(apps, Math.max(1, apps.size()))) {
        c.runOn(grid, base, out, checkpoints, apps.size(), resume);
      }
    }
    return 0;
  }

  /** Client id (file name without {@code .jsonl}) to file. */
  static Map<String, Path> clientFiles(List<Path> data, int n) throws IOException {
    List<Path> files = new ArrayList<>();
    if (data.size() == 1 && Files.isDirectory(data.get(0))) {
      try (Stream<Path> s = Files.list(data.get(0))) {
        s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().forEach(files::add);
      }
      if (files.size() < n) {
        throw new IllegalArgumentException(
            "--data: "
                + data.get(0)
                + " holds "
                + files.size()
                + " .jsonl files, fewer than --clients "
                + n);
      }
      files = files.subList(0, n);
    } else {
      if (data.size() != n) {
        throw new IllegalArgumentException(
            "--data: " + data.size() + " files given for --clients " + n);
      }
      files.addAll(data);
    }
    Map<String, Path> out = new TreeMap<>();
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new IllegalArgumentException("--data: no such file: " + f);
      }
      String id = f.getFileName().toString().replaceFirst("\\.jsonl$", "");
      if (out.put(id, f) != null) {
        throw new IllegalArgumentException("--data: two files give client id '" + id + "'");
      }
    }
    return out;
  }
}
