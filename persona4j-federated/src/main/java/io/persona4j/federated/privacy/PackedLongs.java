/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Vectors of longs bit-packed at the bit width of their largest value (64 if any is negative): a
 * 4-byte count, a width byte w in [0, 64], then the values' low w bits back to back (big-endian bit
 * order), padded with zero bits to a whole byte. Masked secure-aggregation inputs (residues mod M)
 * travel at {@code ceil(log2 M)} bits instead of 64; the reader rejects bad widths, counts that do
 * not fit the remaining input and non-zero padding.
 */
final class PackedLongs {
  private PackedLongs() {}

  /**
   * Writes {@code v} bit-packed: the count, the bit width w of the largest value (0..64), then the
   * values' low w bits back to back (big-endian bit order), {@code ceil(n w / 8)} bytes. Masked
   * inputs are residues mod M, so they travel at {@code ceil(log2 M)} bits, not 64.
   */
  static void write(DataOutputStream out, long[] v) throws IOException {
    int width = 0;
    for (long x : v) {
      width = Math.max(width, 64 - Long.numberOfLeadingZeros(x));
    }
    out.writeInt(v.length);
    out.writeByte(width);
    long acc = 0; // pending bits, right-aligned
    int pending = 0;
    for (long x : v) {
      for (int remaining = width; remaining > 0; ) {
        int take = Math.min(remaining, 56 - pending);
        long chunk = (x >>> (remaining - take)) & ((1L << take) - 1);
        acc = (acc << take) | chunk;
        pending += take;
        remaining -= take;
        while (pending >= 8) {
          out.writeByte((int) (acc >>> (pending - 8)));
          pending -= 8;
        }
        acc &= pending == 0 ? 0 : (1L << pending) - 1;
      }
    }
    if (pending > 0) {
      out.writeByte((int) (acc << (8 - pending)));
    }
  }

  /** Most values a zero-width vector (all zeros, no payload bytes) may claim. */
  private static final int MAX_ZERO_WIDTH_COUNT = 1 << 24;

  static long[] read(DataInputStream in) throws IOException {
    int n = in.readInt();
    int width = in.readUnsignedByte();
    if (width > 64) {
      throw new IOException("bit width " + width + " out of range [0, 64]");
    }
    long packedBytes = ((long) n * width + 7) / 8;
    if (n < 0 || packedBytes > in.available() || (width == 0 && n > MAX_ZERO_WIDTH_COUNT)) {
      throw new IOException("count " + n + " at " + width + " bits out of range");
    }
    long[] v = new long[n];
    long acc = 0;
    int pending = 0;
    for (int i = 0; i < v.length; i++) {
      long x = 0;
      for (int remaining = width; remaining > 0; ) {
        if (pending == 0) {
          acc = in.readUnsignedByte();
          pending = 8;
        }
        int take = Math.min(remaining, pending);
        long chunk = (acc >>> (pending - take)) & ((1L << take) - 1);
        x = (x << take) | chunk;
        pending -= take;
        remaining -= take;
      }
      v[i] = x;
    }
    if (pending > 0 && (acc & ((1L << pending) - 1)) != 0) {
      throw new IOException("non-zero padding bits after " + v.length + " packed values");
    }
    return v;
  }
}
