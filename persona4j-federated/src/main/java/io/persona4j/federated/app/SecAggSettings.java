/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.federated.Grid;
import io.persona4j.federated.privacy.SecureAggregationGrid;
import io.persona4j.privacy.encoding.FixedPoint;
import java.util.Arrays;
import java.util.Objects;

/**
 * Secure aggregation of a federated run ({@code secagg} and {@code secaggOptions} in {@code
 * server.json}): with a protocol other than {@link Protocol#NONE}, the server sees only the sum of
 * the sampled clients' updates, each clipped per coordinate to {@code clip} and encoded in fixed
 * point.
 *
 * @param protocol which protocol, or none
 * @param threshold Shamir threshold as a fraction of each client's neighbourhood, in (0, 1]
 * @param clip per-coordinate clip of an update before fixed-point encoding, finite and {@code > 0}
 * @param scale fixed-point scale (quantization step 1/scale), finite and {@code > 0}
 * @param modulusBits masking modulus 2^bits, in [8, 62]
 * @param degree SecAgg+ graph degree (even, {@code >= 2}), or null for {@link #defaultDegree}
 */
public record SecAggSettings(
    Protocol protocol,
    double threshold,
    double clip,
    double scale,
    int modulusBits,
    Integer degree) {

  /** The secure-aggregation protocol. */
  public enum Protocol {
    /** No secure aggregation: the server sees every client's update. */
    NONE("none"),
    /** SecAgg (Bonawitz et al. 2017): every pair of sampled clients masks. */
    SECAGG("secagg"),
    /**
     * SecAgg+ (Bell et al. 2020): a fresh random k-regular graph per round; with fewer than degree
     * + 2 clients the complete graph is used.
     */
    SECAGG_PLUS("secagg+");

    private final String label;

    Protocol(String label) {
      this.label = label;
    }

    /** The name in {@code server.json}: {@code none}, {@code secagg}, {@code secagg+}. */
    public String label() {
      return label;
    }

    /**
     * The protocol of a label.
     *
     * @throws IllegalArgumentException naming field {@code secagg} and the valid labels
     */
    public static Protocol fromLabel(String label) {
      return Arrays.stream(values())
          .filter(p -> p.label.equals(label))
          .findFirst()
          .orElseThrow(() -> Fields.bad("secagg", label, "must be none, secagg or secagg+"));
    }
  }

  /** No secure aggregation (with the default encoding settings). */
  public static final SecAggSettings NONE = builder().build();

  /** Validates; errors name the field ({@code secaggOptions.clip}, ...) and the value. */
  public SecAggSettings {
    Objects.requireNonNull(protocol, "protocol");
    Fields.require(
        threshold > 0 && threshold <= 1, "secaggOptions.threshold", threshold, "must be in (0, 1]");
    Fields.positive("secaggOptions.clip", clip);
    Fields.positive("secaggOptions.scale", scale);
    Fields.require(
        modulusBits >= 8 && modulusBits <= 62,
        "secaggOptions.modulusBits",
        modulusBits,
        "must be in [8, 62]");
    Fields.require(
        degree == null || (degree >= 2 && degree % 2 == 0),
        "secaggOptions.degree",
        degree,
        "must be an even integer >= 2");
  }

  /** Whether a protocol is on. */
  public boolean enabled() {
    return protocol != Protocol.NONE;
  }

  /** SecAgg+'s default degree for n clients: the smallest even number {@code >= 2 log2 n}. */
  public static int defaultDegree(int n) {
    int k = (int) Math.ceil(2 * Math.log(Math.max(2, n)) / Math.log(2));
    return k % 2 == 0 ? k : k + 1;
  }

  /**
   * {@code grid} under this protocol for {@code population} clients (the clients must run {@link
   * io.persona4j.federated.privacy.PrivacyStack}), or {@code grid} itself without one.
   */
  public Grid wrap(Grid grid, int population) {
    if (!enabled()) {
      return grid;
    }
    int graphDegree = 0;
    if (protocol == Protocol.SECAGG_PLUS) {
      graphDegree = degree != null ? degree : defaultDegree(population);
    }
    return new SecureAggregationGrid(
        grid, new FixedPoint(clip, scale, 1L << modulusBits), threshold, graphDegree);
  }

  /** A builder with the defaults: no protocol, threshold 2/3, clip 1, scale 2^20, modulus 2^48. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link SecAggSettings}; every setting is optional. */
  public static final class Builder {
    private Protocol protocol = Protocol.NONE;
    private double threshold = 2.0 / 3;
    private double clip = 1.0;
    private double scale = 1 << 20;
    private int modulusBits = 48;
    private Integer degree;

    private Builder() {}

    /** The protocol (default {@link Protocol#NONE}). */
    public Builder optProtocol(Protocol protocol) {
      this.protocol = protocol;
      return this;
    }

    /** Shamir threshold fraction (default 2/3). */
    public Builder optThreshold(double threshold) {
      this.threshold = threshold;
      return this;
    }

    /** Per-coordinate clip (default 1). */
    public Builder optClip(double clip) {
      this.clip = clip;
      return this;
    }

    /** Fixed-point scale (default 2^20). */
    public Builder optScale(double scale) {
      this.scale = scale;
      return this;
    }

    /** Masking modulus bits (default 48). */
    public Builder optModulusBits(int modulusBits) {
      this.modulusBits = modulusBits;
      return this;
    }

    /** SecAgg+ graph degree (default {@link #defaultDegree} of the population). */
    public Builder optDegree(int degree) {
      this.degree = degree;
      return this;
    }

    /** The validated settings. */
    public SecAggSettings build() {
      return new SecAggSettings(protocol, threshold, clip, scale, modulusBits, degree);
    }
  }
}
