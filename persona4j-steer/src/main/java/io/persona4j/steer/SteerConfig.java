/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import io.persona4j.steer.wire.WireFormat;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a steered generation.
 *
 * @param rule how cloud and device distributions combine ({@link SteeringRule#iterative} is the
 *     method, {@link SteeringRule#closedForm} its fast path)
 * @param adaThreshold AdaCoSteer's uncertainty threshold, or 0 for no gate (always steer)
 * @param adaPatience AdaCoSteer's consecutive confident tokens
 * @param maxNewTokens tokens to generate at most
 * @param temperature 0 for greedy (argmax of the steered policy), else sampling temperature
 * @param topP nucleus sampling mass, in (0, 1]
 * @param seed sampling seed
 * @param wire how the cloud sends its distribution
 * @param systemPrompt system message of every stream's chat template (empty: none)
 * @param raw skip chat templates: each stream is its plain text
 * @param minVocabOverlap smallest shared share of the cloud vocabulary when the tokenizers differ
 * @param timeout longest wait for any cloud message
 * @param cloudOnly no steering at all: the cloud's own policy over the same protocol, the device
 *     model never runs (the baseline of benchmarks)
 */
public record SteerConfig(
    SteeringRule rule,
    double adaThreshold,
    int adaPatience,
    int maxNewTokens,
    float temperature,
    float topP,
    long seed,
    WireFormat wire,
    String systemPrompt,
    boolean raw,
    double minVocabOverlap,
    Duration timeout,
    boolean cloudOnly) {

  /** The authors' system message. */
  public static final String DEFAULT_SYSTEM = "You are a helpful assistant.";

  public SteerConfig {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(wire, "wire");
    Objects.requireNonNull(systemPrompt, "systemPrompt");
    Objects.requireNonNull(timeout, "timeout");
    if (!(adaThreshold >= 0 && adaThreshold <= 1)) {
      throw new IllegalArgumentException("ada threshold must be in [0, 1], got " + adaThreshold);
    }
    if (adaPatience < 1) {
      throw new IllegalArgumentException("ada patience must be >= 1, got " + adaPatience);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
    }
    if (!(minVocabOverlap >= 0 && minVocabOverlap <= 1)) {
      throw new IllegalArgumentException(
          "min vocabulary overlap must be in [0, 1], got " + minVocabOverlap);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  /** Whether AdaCoSteer gates the steering. */
  public boolean adaptive() {
    return adaThreshold > 0;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's settings. */
  public Builder toBuilder() {
    return builder()
        .optRule(rule)
        .optAda(adaThreshold, adaPatience)
        .optMaxNewTokens(maxNewTokens)
        .optSampling(temperature, topP, seed)
        .optWire(wire)
        .optSystemPrompt(systemPrompt)
        .optRaw(raw)
        .optMinVocabOverlap(minVocabOverlap)
        .optTimeout(timeout)
        .optCloudOnly(cloudOnly);
  }

  /** A copy with another rule. */
  public SteerConfig withRule(SteeringRule r) {
    return toBuilder().optRule(r).build();
  }

  /** A copy with another wire format. */
  public SteerConfig withWire(WireFormat w) {
    return toBuilder().optWire(w).build();
  }

  /** A copy that does (false) or does not (true) steer. */
  public SteerConfig withCloudOnly(boolean c) {
    return toBuilder().optCloudOnly(c).build();
  }

  /** A copy with AdaCoSteer at {@code threshold} (0: off). */
  public SteerConfig withAda(double threshold, int patience) {
    return toBuilder().optAda(threshold, patience).build();
  }

  /** Builder: the paper's method with its defaults, greedy, f32 wire, 256 new tokens. */
  public static final class Builder {
    private SteeringRule rule = SteeringRule.iterative(SteerParams.DEFAULTS);
    private double adaThreshold;
    private int adaPatience = 3;
    private int maxNewTokens = 256;
    private float temperature;
    private float topP = 1f;
    private long seed;
    private WireFormat wire = WireFormat.F32;
    private String systemPrompt = DEFAULT_SYSTEM;
    private boolean raw;
    private double minVocabOverlap = VocabularyAlignment.DEFAULT_MIN_OVERLAP;
    private Duration timeout = Duration.ofSeconds(120);
    private boolean cloudOnly;

    private Builder() {}

    public Builder optRule(SteeringRule r) {
      this.rule = r;
      return this;
    }

    public Builder optAda(double threshold, int patience) {
      this.adaThreshold = threshold;
      this.adaPatience = patience;
      return this;
    }

    public Builder optMaxNewTokens(int n) {
      this.maxNewTokens = n;
      return this;
    }

    public Builder optSampling(float temperature, float topP, long seed) {
      this.temperature = temperature;
      this.topP = topP;
      this.seed = seed;
      return this;
    }

    public Builder optWire(WireFormat w) {
      this.wire = w;
      return this;
    }

    public Builder optSystemPrompt(String s) {
      this.systemPrompt = s;
      return this;
    }

    public Builder optRaw(boolean r) {
      this.raw = r;
      return this;
    }

    public Builder optMinVocabOverlap(double o) {
      this.minVocabOverlap = o;
      return this;
    }

    public Builder optTimeout(Duration d) {
      this.timeout = d;
      return this;
    }

    public Builder optCloudOnly(boolean c) {
      this.cloudOnly = c;
      return this;
    }

    public SteerConfig build() {
      return new SteerConfig(
          rule,
          adaThreshold,
          adaPatience,
          maxNewTokens,
          temperature,
          topP,
          seed,
          wire,
          systemPrompt,
          raw,
          minVocabOverlap,
          timeout,
          cloudOnly);
    }
  }
}
