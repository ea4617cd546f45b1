/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.sharing;

import io.persona4j.privacy.RandomSource;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shamir (t, n) secret sharing over a {@link PrimeField}: each secret is the constant term of a
 * random polynomial of degree {@code t - 1}; holder {@code i} (1..n) receives its value at {@code x
 * = i}. Any {@code t} shares reconstruct by Lagrange interpolation at 0; any {@code t - 1} are
 * consistent with every secret.
 */
public final class Shamir {
  /**
   * Bytes packed per field element by {@link #bytesToElements(byte[])} (56 bits {@literal <} 2^61 -
   * 1).
   */
  public static final int BYTES_PER_ELEMENT = 7;

  private final PrimeField field;
  private final int n;
  private final int threshold;
  private final RandomSource random;

  /**
   * @param field the field (its modulus must exceed {@code n})
   * @param n number of shares, >= 1
   * @param threshold shares needed to reconstruct, in [1, n]
   * @param random coefficient source ({@link RandomSource#secure()} in production)
   */
  public Shamir(PrimeField field, int n, int threshold, RandomSource random) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    if (threshold < 1 || threshold > n) {
      throw new IllegalArgumentException("threshold must be in [1, n=" + n + "], got " + threshold);
    }
    if (field.modulus() <= n) {
      throw new IllegalArgumentException(
          "field modulus " + field.modulus() + " must exceed n=" + n);
    }
    this.field = field;
    this.n = n;
    this.threshold = threshold;
    this.random = random;
  }

  /** A (t, n) scheme over {@link PrimeField#MERSENNE_61} with {@link RandomSource#secure()}. */
  public static Shamir secure(int n, int threshold) {
    return new Shamir(PrimeField.MERSENNE_61, n, threshold, RandomSource.secure());
  }

  /** The field. */
  public PrimeField field() {
    return field;
  }

  /** Number of shares. */
  public int n() {
    return n;
  }

  /** Reconstruction threshold. */
  public int threshold() {
    return threshold;
  }

  /**
   * Splits each secret (a field element) into {@code n} shares; share {@code i} (index {@code i -
   * 1}) has {@code x = i}.
   */
  public Share[] split(long[] secrets) {
    if (secrets.length == 0) {
      throw new IllegalArgumentException("no secrets to split");
    }
    long[][] ys = new long[n][secrets.length];
    long[] coeffs = new long[threshold];
    for (int s = 0; s < secrets.length; s++) {
      coeffs[0] = field.require(secrets[s]);
      for (int k = 1; k < threshold; k++) {
        coeffs[k] = random.nextLong(field.modulus());
      }
      for (int i = 0; i < n; i++) {
        long x = i + 1;
        long acc = 0;
        for (int k = threshold - 1; k >= 0; k--) { // Horner
          acc = field.add(field.mul(acc, x), coeffs[k]);
        }
        ys[i][s] = acc;
      }
    }
    Arrays.fill(coeffs, 0);
    Share[] shares = new Share[n];
    for (int i = 0; i < n; i++) {
      shares[i] = new Share(i + 1, ys[i]);
    }
    return shares;
  }

  /** Splits a byte string (packed by {@link #bytesToElements(byte[])}). */
  public Share[] splitBytes(byte[] secret) {
    return split(bytesToElements(secret));
  }

  /**
   * Reconstructs the secrets from at least {@code threshold} shares with distinct points in [1, n].
   */
  public long[] reconstruct(List<Share> shares) {
    if (shares.size() < threshold) {
      throw new IllegalArgumentException(
          "need at least threshold=" + threshold + " shares, got " + shares.size());
    }
    int len = shares.get(0).y().length;
    Set<Integer> xs = new HashSet<>();
    for (Share s : shares) {
      if (s.x() > n) {
        throw new IllegalArgumentException("share x=" + s.x() + " outside [1, n=" + n + "]");
      }
      if (!xs.add(s.x())) {
        throw new IllegalArgumentException("duplicate share x=" + s.x());
      }
      if (s.y().length != len) {
        throw new IllegalArgumentException(
            "share x=" + s.x() + " has " + s.y().length + " values, expected " + len);
      }
    }
    int m = shares.size();
    long[] lagrange = new long[m];
    for (int j = 0; j < m; j++) {
      long num = 1;
      long den = 1;
      long xj = shares.get(j).x();
      for (int k = 0; k < m; k++) {
        if (k == j) {
          continue;
        }
        long xk = shares.get(k).x();
        num = field.mul(num, xk); // (0 - xk) / (xj - xk) = xk / (xk - xj)
        den = field.mul(den, field.sub(xk, xj));
      }
      lagrange[j] = field.mul(num, field.inv(den));
    }
    long[] out = new long[len];
    for (int j = 0; j < m; j++) {
      long[] y = shares.get(j).y();
      for (int s = 0; s < len; s++) {
        out[s] = field.add(out[s], field.mul(lagrange[j], field.require(y[s])));
      }
    }
    return out;
  }

  /** Reconstructs a byte string of {@code length} bytes shared with {@link #splitBytes}. */
  public byte[] reconstructBytes(List<Share> shares, int length) {
    return elementsToBytes(reconstruct(shares), length);
  }

  /** Packs bytes big-endian into 7-byte field elements (the last one zero-padded). */
  public static long[] bytesToElements(byte[] bytes) {
    int count = Math.max(1, (bytes.length + BYTES_PER_ELEMENT - 1) / BYTES_PER_ELEMENT);
    long[] out = new long[count];
    for (int i = 0; i < bytes.length; i++) {
      int e = i / BYTES_PER_ELEMENT;
      out[e] = (out[e] << 8) | (bytes[i] & 0xFF);
    }
    int rem = bytes.length % BYTES_PER_ELEMENT;
    if (rem != 0) {
      out[count - 1] <<= 8 * (BYTES_PER_ELEMENT - rem);
    }
    return out;
  }

  /** Inverse of {@link #bytesToElements(byte[])}. */
  public static byte[] elementsToBytes(long[] elements, int length) {
    if (length < 0 || length > elements.length * BYTES_PER_ELEMENT) {
      throw new IllegalArgumentException(
          "length " + length + " does not fit in " + elements.length + " elements");
    }
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      int e = i / BYTES_PER_ELEMENT;
      int shift = 8 * (BYTES_PER_ELEMENT - 1 - i % BYTES_PER_ELEMENT);
      out[i] = (byte) (elements[e] >>> shift);
    }
    return out;
  }
}
