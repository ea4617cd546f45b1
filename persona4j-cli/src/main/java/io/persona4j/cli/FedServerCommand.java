/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.persona4j.federated.app.FederatedLoraRun;
import io.persona4j.federated.app.LoraBase;
import io.persona4j.transport.grpc.ClientRegistry;
import io.persona4j.transport.grpc.GrpcGrid;
import io.persona4j.transport.grpc.GrpcGridConfig;
import io.persona4j.transport.grpc.TlsCredentials;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j fed server}: the federated server over gRPC. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Run a federated LoRA server over gRPC (TLS, per-client tokens, optional mutual TLS).",
      "Waits for the expected clients, runs the configured rounds (checkpointed after each),"
          + " prints one progress line per round and writes into --out: adapter/ (PEFT),"
          + " accounting.jsonl, metrics.png, summary.json, checkpoints/.",
      "Config: see docs/FEDERATED.md."
    })
final class FedServerCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "server.json.")
  Path config;

  @Option(names = "--resume", description = "Continue the run from its checkpoint.")
  boolean resume;

  @Option(
      names = "--out",
      defaultValue = "fed-out",
      description = "Output directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    FedConfig c = FedConfig.load(config);
    if (c.tokens() == null) {
      throw new IllegalArgumentException(
          config + ": field 'tokens' must name the client tokens file ({\"id\": \"token\"})");
    }
    Path checkpoints = c.checkpoints(config, out);
    FederatedLoraRun.checkResume(checkpoints, resume);
    Map<String, String> tokens = FedFiles.tokens(FedConfig.resolve(config, c.tokens()));
    ClientRegistry registry = new ClientRegistry();
    tokens.forEach(registry::register);
    List<String> expected =
        c.expectedClients() == null ? List.copyOf(tokens.keySet()) : c.expectedClients();
    for (String id : expected) {
      if (!tokens.containsKey(id)) {
        throw new IllegalArgumentException(
            config + ": field 'expectedClients' names '" + id + "', which has no token");
      }
    }
    ServerCredentials credentials = InsecureServerCredentials.create();
    String security = "plaintext";
    if (c.tls() != null) {
      FedConfig.Tls t = c.tls();
      char[] pw = t.password().toCharArray();
      var identity = TlsCredentials.loadPkcs12(FedConfig.resolve(config, t.keyStore()), pw);
      var clientCa =
          t.clientCa() == null
              ? null
              : TlsCredentials.loadTrustStore(FedConfig.resolve(config, t.clientCa()), pw);
      credentials = TlsCredentials.server(identity, pw, clientCa);
      security = clientCa == null ? "TLS" : "mutual TLS";
      if (clientCa != null && t.certificateIdentity()) {
        registry.requireCertificateIdentity(true);
        security += ", certificate CN = client id";
      }
    }
    GrpcGridConfig gc = new GrpcGridConfig(c.bindHost(), c.port(), 1 << 20, 4L << 30);
    try (GrpcGrid grid = GrpcGrid.start(gc, registry, credentials);
        LoraBase base = new LoraBase(FedConfig.resolve(config, c.baseModel()))) {
      base.ensureLoaded();
      System.err.printf(
          "listening on %s:%d (%s), %d registered clients%n",
          c.bindHost(), grid.port(), security, tokens.size());
      System.err.flush();
      awaitClients(grid, expected, c.clientWaitSeconds());
      c.runOn(grid, base, out, checkpoints, tokens.size(), resume);
      grid.finish();
    }
    return 0;
  }

  private static void awaitClients(GrpcGrid grid, List<String> expected, double seconds)
      throws InterruptedException {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<String> last = null;
    while (true) {
      List<String> have = grid.clients();
      List<String> missing = new ArrayList<>(expected);
      missing.removeAll(have);
      if (missing.isEmpty()) {
        System.err.printf("all %d expected clients connected%n", expected.size());
        return;
      }
      if (!have.equals(last)) {
        System.err.printf("waiting for clients: connected %s, missing %s%n", have, missing);
        last = have;
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException(
            "expected clients "
                + missing
                + " did not connect within clientWaitSeconds="
                + seconds
                + " (connected: "
                + have
                + ")");
      }
      Thread.sleep(100);
    }
  }
}
