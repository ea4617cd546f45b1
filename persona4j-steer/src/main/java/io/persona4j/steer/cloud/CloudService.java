/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import com.google.protobuf.ByteString;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.steer.SteerModel;
import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.proto.CloudInfo;
import io.persona4j.steer.proto.DescribeRequest;
import io.persona4j.transport.grpc.ClientRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cloud side of CoSteer without its transport: the model, the engine that runs it for every
 * session, client authentication, the concurrency limit, timeouts and accounting. {@link
 * CloudServer} exposes it over gRPC; {@code InProcessCloud} hands the same sessions the same
 * messages in one process.
 */
public final class CloudService implements AutoCloseable {
  /** Version of the message protocol ({@code costeer.proto}). */
  public static final int PROTOCOL_VERSION = 1;

  private final SteerModel model;
  private final CloudServerConfig config;
  private final ClientRegistry registry;
  private final CloudEngine engine;
  private final CloudInfo info;
  private final Semaphore permits;
  private final CloudStats stats = new CloudStats();
  private final AtomicLong sessionIds = new AtomicLong();
  private final Set<CloudSession> live = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timers;
  private final ExecutorService encoders;
  private volatile boolean closed;

  /**
   * @param registry the allowed clients and their tokens, or null to accept any client (local use
   *     only: in-process runs, tests)
   */
  public CloudService(SteerModel model, CloudServerConfig config, ClientRegistry registry)
      throws IOException {
    this.model = model;
    this.config = config;
    this.registry = registry;
    this.engine =
        config.batching()
            ? new BatchCloudEngine(
                model.model(),
                config.maxBatch(),
                config.maxSessions(),
                Math.min(config.maxPromptTokens() + config.maxNewTokens(), model.maxPositions()))
            : new SerialCloudEngine(model.model());
    this.permits = new Semaphore(config.maxSessions());
    byte[] tokenizerJson = Files.readAllBytes(model.tokenizer().source());
    this.info =
        CloudInfo.newBuilder()
            .setProtocolVersion(PROTOCOL_VERSION)
            .setModelFingerprint(ModelFingerprint.of(model.dir()))
            .setTokenizerSha256(sha256(tokenizerJson))
            .setVocabSize(model.vocabulary().size())
            .setLogitWidth(model.vocabulary().logitWidth())
            .addAllEosIds(
                java.util.Arrays.stream(model.vocabulary().eosIds())
                    .mapToObj(e -> (int) e)
                    .toList())
            .setTokenizerJson(ByteString.copyFrom(tokenizerJson))
            .setHasChatTemplate(model.hasChatTemplate())
            .setMaxNewTokens(config.maxNewTokens())
            .setMaxPromptTokens(config.maxPromptTokens())
            .build();
    this.timers =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "steer-cloud-timers");
              t.setDaemon(true);
              return t;
            });
    // normalizing and encoding run PyTorch ops: platform threads (docs/ARCHITECTURE.md)
    this.encoders =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            r -> {
              Thread t = new Thread(r, "steer-cloud-encoder");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The public facts of the model for an authenticated client.
   *
   * @throws SteerSessionException (UNAUTHENTICATED) for an unknown client or a bad token
   */
  public CloudInfo describe(DescribeRequest request, String peerCn) {
    checkClient(request.getClientId(), request.getToken(), peerCn);
    return info;
  }

  /** A new session whose messages to the device go to {@code out}. */
  public CloudSession newSession(CloudSession.Outbound out, String peerCn) {
    CloudSession s = new CloudSession(this, "s" + sessionIds.incrementAndGet(), out, peerCn);
    live.add(s);
    if (closed) {
      s.shutdown();
    }
    return s;
  }

  void checkClient(String clientId, String token, String peerCn) {
    if (registry == null) {
      return;
    }
    ClientRegistry.Verdict v = registry.check(clientId, token, peerCn);
    if (v != ClientRegistry.Verdict.OK) {
      throw new SteerSessionException(
          SteerSessionException.Code.UNAUTHENTICATED,
          "client '" + clientId + "' refused: " + v.name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  void forget(CloudSession s) {
    live.remove(s);
  }

  boolean tryAcquire() {
    return !closed && permits.tryAcquire();
  }

  void releasePermit() {
    permits.release();
  }

  public SteerModel model() {
    return model;
  }

  public CloudServerConfig config() {
    return config;
  }

  public CloudEngine engine() {
    return engine;
  }

  public CloudInfo info() {
    return info;
  }

  public CloudStats stats() {
    return stats;
  }

  /** Sessions open now (past Open, not ended). */
  public int activeSessions() {
    return config.maxSessions() - permits.availablePermits();
  }

  ScheduledExecutorService timers() {
    return timers;
  }

  ExecutorService encoders() {
    return encoders;
  }

  boolean isClosed() {
    return closed;
  }

  /** Stops accepting sessions and frees the engine; the model stays open (its owner closes it). */
  @Override
  public void close() {
    closed = true;
    for (CloudSession s : List.copyOf(live)) {
      s.shutdown();
    }
    timers.shutdownNow();
    encoders.shutdown();
    try {
      encoders.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    engine.close();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
