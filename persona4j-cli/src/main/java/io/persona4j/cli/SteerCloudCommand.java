/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.persona4j.core.TensorRuntime;
import io.persona4j.steer.SteerModel;
import io.persona4j.steer.cloud.CloudServer;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.cloud.CloudStats;
import io.persona4j.transport.grpc.ClientRegistry;
import io.persona4j.transport.grpc.TlsCredentials;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code persona4j steer cloud}: the cloud logits service over gRPC. */
@Command(
    name = "cloud",
    mixinStandardHelpOptions = true,
    description = {
      "Serve a cloud model's next-token distributions to CoSteer devices over gRPC: one"
          + " bidirectional stream per session, the session's KV cache held here, concurrent"
          + " sessions batched into one forward pass per step.",
      "The cloud receives each session's query and the tokens the device chose, never the"
          + " device's private context. Runs until interrupted (Ctrl-C)."
    })
final class SteerCloudCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Hugging Face decoder directory.")
  Path model;

  @Mixin WeightsOption weightsOption;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for all).")
  String bind;

  @Option(
      names = "--port",
      defaultValue = "7450",
      description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--port-file",
      description = "Write the port listened on into this file once serving.")
  Path portFile;

  @Option(
      names = "--tokens",
      description = "Client tokens file {\"client-id\": \"token\", ...} (tokens >= 8 characters).")
  Path tokens;

  @Option(
      names = "--no-auth",
      description = "Accept any client without a token (only with a loopback --bind).")
  boolean noAuth;

  @Option(
      names = "--tls-key-store",
      description = "The server's PKCS12 key store (private key + certificate): turns on TLS.")
  Path tlsKeyStore;

  @Option(
      names = "--tls-password",
      defaultValue = "",
      description = "Password of --tls-key-store (and of a .p12 --client-ca).")
  String tlsPassword;

  @Option(
      names = "--client-ca",
      description = "Certificates client certificates must chain to: turns on mutual TLS.")
  Path clientCa;

  @Option(
      names = "--certificate-identity",
      description = "With --client-ca: a client certificate's CN must equal its client id.")
  boolean certificateIdentity;

  @Option(
      names = "--max-sessions",
      defaultValue = "64",
      description = "Sessions at once; more are refused with BUSY (default ${DEFAULT-VALUE}).")
  int maxSessions;

  @Option(
      names = "--idle-timeout",
      defaultValue = "120",
      description =
          "Seconds a device may take to answer a distribution (default ${DEFAULT-VALUE}).")
  double idleTimeout;

  @Option(
      names = "--open-timeout",
      defaultValue = "30",
      description = "Seconds a new stream may take to open its session (default ${DEFAULT-VALUE}).")
  double openTimeout;

  @Option(
      names = "--max-new-tokens",
      defaultValue = "1024",
      description = "Tokens per session at most (default ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(
      names = "--max-prompt-tokens",
      defaultValue = "8192",
      description = "Cloud prompt tokens at most (default ${DEFAULT-VALUE}).")
  int maxPromptTokens;

  @Option(
      names = "--batching",
      negatable = true,
      defaultValue = "true",
      description =
          "Continuous batching: concurrent sessions' steps run as one forward pass (default on).")
  boolean batching;

  @Option(
      names = "--max-batch",
      defaultValue = "32",
      description =
          "Rows of the batched forward pass, i.e. KV-cache slots allocated at start; further"
              + " sessions wait for a slot (default ${DEFAULT-VALUE}).")
  int maxBatch;

  @Override
  public Integer call() throws Exception {
    if ((tokens == null) == !noAuth) {
      throw new IllegalArgumentException(
          "give --tokens FILE (the allowed clients and their tokens) or, for local use only,"
              + " --no-auth");
    }
    if (noAuth && !InetAddress.getByName(bind).isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "--no-auth is only allowed on a loopback --bind (got '" + bind + "'): use --tokens");
    }
    if (clientCa != null && tlsKeyStore == null) {
      throw new IllegalArgumentException("--client-ca (mutual TLS) needs --tls-key-store (TLS)");
    }
    if (certificateIdentity && clientCa == null) {
      throw new IllegalArgumentException("--certificate-identity needs --client-ca");
    }
    CloudServerConfig config =
        CloudServerConfig.builder()
            .optBindHost(bind)
            .optPort(port)
            .optMaxSessions(maxSessions)
            .optIdleTimeout(seconds("--idle-timeout", idleTimeout))
            .optOpenTimeout(seconds("--open-timeout", openTimeout))
            .optMaxNewTokens(maxNewTokens)
            .optMaxPromptTokens(maxPromptTokens)
            .optBatching(batching)
            .optMaxBatch(maxBatch)
            .build();
    ClientRegistry registry = null;
    if (tokens != null) {
      Map<String, String> t = FedFiles.tokens(tokens);
      registry = new ClientRegistry();
      t.forEach(registry::register);
    }
    ServerCredentials credentials = InsecureServerCredentials.create();
    String security = "plaintext";
    if (tlsKeyStore != null) {
      char[] pw = tlsPassword.toCharArray();
      var trusted = clientCa == null ? null : TlsCredentials.loadTrustStore(clientCa, pw);
      credentials = TlsCredentials.server(TlsCredentials.loadPkcs12(tlsKeyStore, pw), pw, trusted);
      security = trusted == null ? "TLS" : "mutual TLS";
      if (certificateIdentity) {
        registry.requireCertificateIdentity(true);
        security += ", certificate CN = client id";
      }
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (NDManager m = TensorRuntime.newManager();
        SteerModel cloud = SteerModel.load(model, m, weightsOption.weights)) {
      CloudServer server =
          CloudServer.start(new CloudService(cloud, config, registry), credentials);
      Thread hook =
          new Thread(
              () -> {
                server.close();
                stop.countDown();
              },
              "steer-cloud-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      System.err.printf(
          "steer cloud: %s (%d ids, %s) on %s:%d (%s, %s), up to %d sessions, %s%n",
          model,
          cloud.vocabulary().size(),
          cloud.hasChatTemplate() ? "chat template" : "no chat template: raw prompts",
          bind,
          server.port(),
          security,
          registry == null ? "no client authentication" : "client tokens",
          maxSessions,
          batching ? "batched steps (up to " + maxBatch + ")" : "one session at a time");
      if (portFile != null) {
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(server.port()));
        Files.move(
            tmp, portFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      CloudStats.Snapshot last = null;
      while (!stop.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
        CloudStats.Snapshot s = server.service().stats().snapshot();
        if (!s.equals(last)) {
          System.err.printf(
              "steer cloud: %d sessions served, %d active, %d steps, %,d bytes in, %,d bytes out,"
                  + " ended %s%n",
              s.opened(),
              server.service().activeSessions(),
              s.steps(),
              s.bytesUp(),
              s.bytesDown(),
              s.endedBy());
          last = s;
        }
      }
    }
    return 0;
  }

  private static Duration seconds(String option, double s) {
    if (!(s > 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException(
          option + " must be a positive number of seconds, got " + s);
    }
    return Duration.ofNanos((long) (s * 1e9));
  }
}
