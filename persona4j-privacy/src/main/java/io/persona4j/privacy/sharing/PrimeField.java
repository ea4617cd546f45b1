/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.sharing;

import java.math.BigInteger;

/**
 * Arithmetic modulo a prime {@code p < 2^62}. Elements are canonical longs in {@code [0, p)}.
 *
 * <p>{@link #MERSENNE_61} ({@code p = 2^61 - 1}) multiplies with {@link Math#multiplyHigh} and the
 * Mersenne reduction; other primes fall back to {@link BigInteger} for products.
 */
public final class PrimeField {
  /** The Mersenne prime {@code 2^61 - 1}. */
  public static final PrimeField MERSENNE_61 = new PrimeField((1L << 61) - 1);

  private final long p;
  private final boolean mersenne61;
  private final BigInteger bigP;

  /**
   * @param p a prime in {@code [2, 2^62)}
   */
  public PrimeField(long p) {
    if (p < 2 || p >= (1L << 62)) {
      throw new IllegalArgumentException("p must be in [2, 2^62), got " + p);
    }
    this.bigP = BigInteger.valueOf(p);
    if (!bigP.isProbablePrime(64)) {
      throw new IllegalArgumentException("p must be prime, got " + p);
    }
    this.p = p;
    this.mersenne61 = p == (1L << 61) - 1;
  }

  /** The prime modulus. */
  public long modulus() {
    return p;
  }

  /** The canonical representative of any long (negative values included). */
  public long reduce(long a) {
    return Math.floorMod(a, p);
  }

  /** Throws unless {@code a} is a canonical element. */
  public long require(long a) {
    if (a < 0 || a >= p) {
      throw new IllegalArgumentException("value " + a + " is not an element of GF(" + p + ")");
    }
    return a;
  }

  /** {@code a + b mod p}. */
  public long add(long a, long b) {
    long s = require(a) + require(b);
    return s >= p ? s - p : s;
  }

  /** {@code a - b mod p}. */
  public long sub(long a, long b) {
    long d = require(a) - require(b);
    return d < 0 ? d + p : d;
  }

  /** {@code -a mod p}. */
  public long neg(long a) {
    return require(a) == 0 ? 0 : p - a;
  }

  /** {@code a * b mod p}, overflow-safe. */
  public long mul(long a, long b) {
    require(a);
    require(b);
    if (mersenne61) {
      long hi = Math.multiplyHigh(a, b);
      long lo = a * b;
      // a*b = hi * 2^64 + lo (lo unsigned) < 2^122; split at bit 61.
      long low61 = lo & p;
      long high = (hi << 3) | (lo >>> 61);
      long s = low61 + high;
      s = (s & p) + (s >>> 61);
      return s >= p ? s - p : s;
    }
    return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(bigP).longValue();
  }

  /** {@code a^e mod p} for {@code e >= 0}. */
  public long pow(long a, long e) {
    if (e < 0) {
      throw new IllegalArgumentException("exponent must be >= 0, got " + e);
    }
    long result = 1 % p;
    long base = require(a);
    while (e > 0) {
      if ((e & 1) == 1) {
        result = mul(result, base);
      }
      base = mul(base, base);
      e >>>= 1;
    }
    return result;
  }

  /** The multiplicative inverse {@code a^(p-2)}; throws for zero. */
  public long inv(long a) {
    if (require(a) == 0) {
      throw new ArithmeticException("zero has no inverse in GF(" + p + ")");
    }
    return pow(a, p - 2);
  }

  @Override
  public String toString() {
    return "GF(" + p + ")";
  }
}
