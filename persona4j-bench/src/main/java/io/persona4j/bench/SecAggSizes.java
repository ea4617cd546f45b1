/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import io.persona4j.privacy.secagg.Messages.AdvertiseKeys;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.ShareDelivery;
import io.persona4j.privacy.secagg.Messages.ShareKeys;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.Messages.UnmaskShares;
import io.persona4j.privacy.sharing.Share;
import java.util.Map;

/**
 * Byte sizes of secure-aggregation messages in the federated module's {@code SecAggWire} layout:
 * 4-byte ints and counts, length-prefixed byte arrays, vectors of longs (field elements, masked
 * residues) bit-packed at the width of their largest value after a count and a width byte.
 *
 * <p>{@link #wireUp} and {@link #wireDown} give the sizes as {@code SecAggWire} carries them over a
 * {@code Grid}: client-to-server messages packed three bytes per float32 element (4/3x),
 * server-to-client messages base64 in the config (4/3x).
 */
final class SecAggSizes {
  private SecAggSizes() {}

  static long of(AdvertiseKeys m) {
    return 4 + 4 + m.encryptionPublicKey().length + 4 + m.maskingPublicKey().length;
  }

  static long of(KeyDirectory m) {
    long n = 4;
    for (AdvertiseKeys k : m.keys().values()) {
      n += of(k);
    }
    return n;
  }

  static long of(ShareKeys m) {
    return 8 + ciphertexts(m.ciphertexts());
  }

  static long of(ShareDelivery m) {
    return 8 + ciphertexts(m.ciphertextsBySender());
  }

  static long of(SurvivorList m) {
    return 4 + 4L * m.maskedInputSenders().size();
  }

  static long of(UnmaskShares m) {
    return 12 + shares(m.selfMaskSeedShares()) + shares(m.maskingKeyShares());
  }

  /** A masked vector of {@code d} residues at {@code bits} bits each, plus the client id. */
  static long maskedCompact(long d, int bits) {
    return 4 + (d * bits + 7) / 8;
  }

  /**
   * The masked vector as SecAggWire writes it: id, count, width byte, {@code bits} bits per residue
   * (the width is that of the largest residue: {@code bits} unless all residues are small).
   */
  static long maskedWire(long d, int bits) {
    return 4 + 4 + 1 + (d * bits + 7) / 8;
  }

  /** A client-to-server message of {@code b} bytes in SecAggWire's float32 packing. */
  static long wireUp(long b) {
    return 4 * (2 + (b + 2) / 3);
  }

  /** A vector of longs as SecAggWire writes it: count, width byte, packed values. */
  static long packedLongs(long[] v) {
    int width = 0;
    for (long x : v) {
      width = Math.max(width, 64 - Long.numberOfLeadingZeros(x));
    }
    return 4 + 1 + ((long) v.length * width + 7) / 8;
  }

  /** A server-to-client message of {@code b} bytes as base64. */
  static long wireDown(long b) {
    return 4 * ((b + 2) / 3);
  }

  private static long ciphertexts(Map<Integer, byte[]> m) {
    long n = 0;
    for (byte[] c : m.values()) {
      n += 4 + 4 + c.length;
    }
    return n;
  }

  private static long shares(Map<Integer, Share> m) {
    long n = 0;
    for (Share s : m.values()) {
      n += 4 + 4 + packedLongs(s.y());
    }
    return n;
  }
}
