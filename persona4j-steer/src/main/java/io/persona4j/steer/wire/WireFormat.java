/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.wire;

import java.util.Locale;

/**
 * How the cloud's next-token distribution travels: every id's log-probability as binary32, binary16
 * or bfloat16, or the k most likely ids with their binary32 log-probabilities and the mass of the
 * rest (Persona4j's extension, not in the paper: the device spreads that mass uniformly).
 *
 * @param kind the encoding
 * @param k the number of ids sent for {@link Kind#TOPK}, else 0
 */
public record WireFormat(Kind kind, int k) {
  /** The encodings. */
  public enum Kind {
    F32(4),
    F16(2),
    BF16(2),
    TOPK(8);

    /** Bytes per id sent (TOPK: a uint32 id and a binary32 value). */
    public final int bytesPerValue;

    Kind(int bytesPerValue) {
      this.bytesPerValue = bytesPerValue;
    }
  }

  public static final WireFormat F32 = new WireFormat(Kind.F32, 0);
  public static final WireFormat F16 = new WireFormat(Kind.F16, 0);
  public static final WireFormat BF16 = new WireFormat(Kind.BF16, 0);

  public WireFormat {
    if (kind == null) {
      throw new IllegalArgumentException("wire format kind is null");
    }
    if (kind == Kind.TOPK ? k < 1 : k != 0) {
      throw new IllegalArgumentException(
          kind == Kind.TOPK ? "topk needs k >= 1, got " + k : kind + " takes no k, got " + k);
    }
  }

  /** Top-k with tail mass. */
  public static WireFormat topK(int k) {
    return new WireFormat(Kind.TOPK, k);
  }

  /**
   * Parses {@code f32}, {@code f16}, {@code bf16} or {@code topk:K}.
   *
   * @throws IllegalArgumentException naming the value and the accepted forms
   */
  public static WireFormat parse(String s) {
    String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "f32":
        return F32;
      case "f16":
        return F16;
      case "bf16":
        return BF16;
      default:
        if (v.startsWith("topk:")) {
          try {
            return topK(Integer.parseInt(v.substring(5)));
          } catch (NumberFormatException e) {
            // fall through to the message below
          }
        }
        throw new IllegalArgumentException(
            "wire format '" + s + "' is not one of f32, f16, bf16, topk:K (K a positive integer)");
    }
  }

  /** Payload bytes of one distribution over {@code vocab} ids (without the message framing). */
  public long payloadBytes(int vocab) {
    return kind == Kind.TOPK ? 8L * Math.min(k, vocab) + 4 : (long) kind.bytesPerValue * vocab;
  }

  @Override
  public String toString() {
    return kind == Kind.TOPK ? "topk:" + k : kind.name().toLowerCase(Locale.ROOT);
  }
}
