/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import java.time.Duration;

/**
 * Settings of the cloud logits service.
 *
 * @param bindHost address to listen on ({@code 127.0.0.1}, {@code 0.0.0.0})
 * @param port port, 0 for an ephemeral one
 * @param maxSessions sessions open at once; an Open beyond it ends with BUSY
 * @param openTimeout time a new stream has to send its Open
 * @param idleTimeout time the device has to answer a distribution with its token
 * @param maxNewTokens cap on the tokens of one session
 * @param maxPromptTokens cap on the cloud prompt's tokens
 * @param batching whether concurrent sessions' steps run as one forward pass (continuous batching,
 *     {@link BatchCloudEngine}) or one after another ({@link SerialCloudEngine})
 * @param maxBatch rows of the batched forward pass (KV-cache slots of {@code maxPromptTokens +
 *     maxNewTokens} positions, at most the model's, allocated when the service starts); further
 *     sessions wait for a slot
 */
public record CloudServerConfig(
    String bindHost,
    int port,
    int maxSessions,
    Duration openTimeout,
    Duration idleTimeout,
    int maxNewTokens,
    int maxPromptTokens,
    boolean batching,
    int maxBatch) {

  /** Validates every field, naming it. */
  public CloudServerConfig {
    if (bindHost == null || bindHost.isBlank()) {
      throw new IllegalArgumentException("bindHost must be non-blank, got " + bindHost);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (maxSessions < 1) {
      throw new IllegalArgumentException("maxSessions must be >= 1, got " + maxSessions);
    }
    positive("openTimeout", openTimeout);
    positive("idleTimeout", idleTimeout);
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    }
    if (maxPromptTokens < 1) {
      throw new IllegalArgumentException("maxPromptTokens must be >= 1, got " + maxPromptTokens);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
    }
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings. */
  public Builder toBuilder() {
    return builder()
        .optBindHost(bindHost)
        .optPort(port)
        .optMaxSessions(maxSessions)
        .optOpenTimeout(openTimeout)
        .optIdleTimeout(idleTimeout)
        .optMaxNewTokens(maxNewTokens)
        .optMaxPromptTokens(maxPromptTokens)
        .optBatching(batching)
        .optMaxBatch(maxBatch);
  }

  /** Builder; every setting has a default (loopback, ephemeral port). */
  public static final class Builder {
    private String bindHost = "127.0.0.1";
    private int port = 0;
    private int maxSessions = 64;
    private Duration openTimeout = Duration.ofSeconds(30);
    private Duration idleTimeout = Duration.ofSeconds(120);
    private int maxNewTokens = 1024;
    private int maxPromptTokens = 8192;
    private boolean batching = true;
    private int maxBatch = 32;

    private Builder() {}

    public Builder optBindHost(String h) {
      this.bindHost = h;
      return this;
    }

    public Builder optPort(int p) {
      this.port = p;
      return this;
    }

    public Builder optMaxSessions(int n) {
      this.maxSessions = n;
      return this;
    }

    public Builder optOpenTimeout(Duration d) {
      this.openTimeout = d;
      return this;
    }

    public Builder optIdleTimeout(Duration d) {
      this.idleTimeout = d;
      return this;
    }

    public Builder optMaxNewTokens(int n) {
      this.maxNewTokens = n;
      return this;
    }

    public Builder optMaxPromptTokens(int n) {
      this.maxPromptTokens = n;
      return this;
    }

    public Builder optBatching(boolean b) {
      this.batching = b;
      return this;
    }

    public Builder optMaxBatch(int n) {
      this.maxBatch = n;
      return this;
    }

    public CloudServerConfig build() {
      return new CloudServerConfig(
          bindHost,
          port,
          maxSessions,
          openTimeout,
          idleTimeout,
          maxNewTokens,
          maxPromptTokens,
          batching,
          maxBatch);
    }
  }
}
