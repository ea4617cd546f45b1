/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.sharing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrimeFieldTest {

  private static void checkAgainstBigInteger(PrimeField f, long seed) {
    BigInteger p = BigInteger.valueOf(f.modulus());
    SplittableRandom r = new SplittableRandom(seed);
    long[] edge = {0, 1, 2, f.modulus() - 1, f.modulus() - 2, f.modulus() / 2};
    for (int i = 0; i < 20_000; i++) {
      long a = i < edge.length * edge.length ? edge[i % edge.length] : r.nextLong(f.modulus());
      long b = i < edge.length * edge.length ? edge[i / edge.length] : r.nextLong(f.modulus());
      BigInteger ba = BigInteger.valueOf(a);
      BigInteger bb = BigInteger.valueOf(b);
      assertThat(f.mul(a, b)).isEqualTo(ba.multiply(bb).mod(p).longValue());
      assertThat(f.add(a, b)).isEqualTo(ba.add(bb).mod(p).longValue());
      assertThat(f.sub(a, b)).isEqualTo(ba.subtract(bb).mod(p).longValue());
      if (a != 0 && i % 10 == 0) {
        assertThat(f.mul(a, f.inv(a))).isEqualTo(1);
      }
    }
    long a = r.nextLong(f.modulus());
    long e = r.nextLong(1L << 40);
    assertThat(f.pow(a, e))
        .isEqualTo(BigInteger.valueOf(a).modPow(BigInteger.valueOf(e), p).longValue());
  }

  @Test
  void mersenne61MatchesBigInteger() {
    checkAgainstBigInteger(PrimeField.MERSENNE_61, 1);
  }

  @Test
  void genericPrimeMatchesBigInteger() {
    checkAgainstBigInteger(new PrimeField(1_000_000_007L), 2);
    checkAgainstBigInteger(new PrimeField(4611686018427387847L), 3); // largest prime < 2^62
  }

  @Test
  void reduceNegAndErrors() {
    PrimeField f = new PrimeField(13);
    assertThat(f.reduce(-1)).isEqualTo(12);
    assertThat(f.reduce(27)).isEqualTo(1);
    assertThat(f.neg(5)).isEqualTo(8);
    assertThat(f.neg(0)).isEqualTo(0);
    assertThatThrownBy(() -> new PrimeField(15)).hasMessageContaining("prime");
    assertThatThrownBy(() -> f.inv(0)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> f.add(13, 1)).hasMessageContaining("not an element");
  }
}
