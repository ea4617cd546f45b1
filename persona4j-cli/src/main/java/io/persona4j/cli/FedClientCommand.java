/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.grpc.ChannelCredentials;
import io.grpc.Status;
import io.persona4j.federated.app.FederatedLoraClient;
import io.persona4j.federated.app.LoraBase;
import io.persona4j.federated.privacy.PrivacyStack;
import io.persona4j.privacy.RandomSource;
import io.persona4j.transport.grpc.GrpcClient;
import io.persona4j.transport.grpc.GrpcClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code persona4j fed client}: a federated LoRA client on local data. */
@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    description = {
      "Join a persona4j fed server and train its LoRA adapter on local data (the data never"
          + " leaves this process; only adapter updates, masked under secure aggregation, do).",
      "Data: JSONL rows {\"prompt\": ..., \"completion\": ...} or {\"text\": ...}.",
      "Reconnects with backoff when the connection breaks, printing each retry; exits 0 when"
          + " the server finishes the run, 1 when it refuses the client, when one side speaks TLS"
          + " and the other plaintext, or when it cannot be reached for --give-up-after seconds."
    })
final class FedClientCommand implements Callable<Integer> {
  @Option(names = "--server", required = true, description = "host:port of the server.")
  String server;

  @Option(names = "--id", required = true, description = "This client's id.")
  String id;

  @Option(names = "--token", description = "This client's token.")
  String token;

  @Option(names = "--token-file", description = "File holding this client's token.")
  Path tokenFile;

  @Option(names = "--data", required = true, description = "Local training data, JSONL.")
  Path data;

  @Option(
      names = "--model",
      required = true,
      description = "The base model directory (the same model as the server's).")
  Path model;

  @Option(
      names = "--trust",
      description = "Server certificate(s) to trust (PEM/DER, or .p12): turns on TLS.")
  Path trust;

  @Option(names = "--key-store", description = "This client's PKCS12 key store (mutual TLS).")
  Path keyStore;

  @Option(
      names = "--key-store-password",
      defaultValue = "",
      description = "Password of --key-store (and of a .p12 --trust).")
  String keyStorePassword;

  @Option(
      names = "--authority",
      description = "Host name expected in the server certificate (default: the --server host).")
  String authority;

  @Mixin FedDataOptions dataOptions;

  @Option(
      names = "--give-up-after",
      defaultValue = "600",
      description =
          "Seconds to keep retrying a server that cannot be reached (from the start, or from the"
              + " last connection) before exiting 1; 0: retry forever (default ${DEFAULT-VALUE}).")
  double giveUpAfter;

  @Option(
      names = "--fit-delay-ms",
      defaultValue = "0",
      hidden = true,
      description = "Pause before each local training (emulates a slow device; testing).")
  long fitDelayMs;

  @Override
  public Integer call() throws Exception {
    int colon = server.lastIndexOf(':');
    int port;
    try {
      port = colon < 1 ? -1 : Integer.parseInt(server.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--server: expected host:port, got '" + server + "'");
    }
    String host = server.substring(0, colon);
    if ((token == null) == (tokenFile == null)) {
      throw new IllegalArgumentException("give exactly one of --token and --token-file");
    }
    String tok = token != null ? token : Files.readString(tokenFile).strip();
    if (!Files.isRegularFile(data)) {
      throw new IllegalArgumentException("--data: no such file: " + data);
    }
    if (!Files.isRegularFile(model.resolve("config.json"))) {
      throw new IllegalArgumentException("--model: no config.json in " + model);
    }
    ChannelCredentials credentials = ClientTls.credentials(trust, keyStore, keyStorePassword);
    if (!(giveUpAfter >= 0) || giveUpAfter > 1e9) {
      throw new IllegalArgumentException(
          "--give-up-after must be a number of seconds >= 0, got " + giveUpAfter);
    }
    GrpcClientConfig cfg =
        GrpcClientConfig.builder()
            .setHost(host)
            .setPort(port)
            .setClientId(id)
            .setToken(tok)
            .optAuthority(authority)
            .optGiveUpAfter(Duration.ofMillis(Math.round(giveUpAfter * 1000)))
            .build();
    try (LoraBase base = new LoraBase(model)) {
      base.ensureLoaded();
      // the data is read and checked before connecting
      FederatedLoraClient train =
          FederatedLoraClient.builder()
              .setBase(base)
              .setExamples(dataOptions.read(base, id, data, System.err))
              .optFitDelay(Duration.ofMillis(fitDelayMs))
              .optLog(System.err::println)
              .build();
      GrpcClient client =
          GrpcClient.start(
              cfg,
              credentials,
              new PrivacyStack(train, RandomSource.secure()),
              r -> System.err.println(retryLine(r)));
      try {
        System.err.printf(
            "client %s: connecting to %s (%s)%n",
            id, server, trust == null ? "plaintext" : keyStore == null ? "TLS" : "mutual TLS");
        boolean announced = false;
        while (!client.awaitStopped(Duration.ofMillis(200))) {
          if (client.isConnected() && !announced) {
            System.err.printf("client %s: connected%n", id);
            announced = true;
          } else if (!client.isConnected()) {
            announced = false;
          }
        }
      } finally {
        client.close();
      }
      if (client.refusal().isPresent()) {
        Status s = client.refusal().get();
        throw new IllegalStateException(
            "client '"
                + id
                + "' refused by the server: "
                + s.getCode()
                + (s.getDescription() == null ? "" : ": " + s.getDescription()));
      }
      if (client.transportMismatch().isPresent()) {
        throw new IllegalStateException(
            "client '"
                + id
                + "' cannot talk to "
                + server
                + ": "
                + client.transportMismatch().get());
      }
      if (client.gaveUp().isPresent()) {
        throw new IllegalStateException(
            "client '"
                + id
                + "' gave up: "
                + client.gaveUp().get()
                + "; is the server running at "
                + server
                + "? (--give-up-after 0 retries forever)");
      }
      if (!client.finished()) {
        throw new IllegalStateException("client '" + id + "' stopped before the run finished");
      }
      System.err.printf("client %s: the server finished the run%n", id);
      return 0;
    }
  }

  private String retryLine(GrpcClient.Retry r) {
    return String.format(
        Locale.ROOT,
        "client %s: %s; retry %d in %.1f s%s",
        id,
        r.reason(),
        r.failuresInARow(),
        r.delay().toMillis() / 1000.0,
        r.giveUpIn() == null
            ? ""
            : String.format(
                Locale.ROOT, " (giving up in %.1f s)", r.giveUpIn().toMillis() / 1000.0));
  }
}
