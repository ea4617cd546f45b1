/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.sharing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.privacy.RandomSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShamirTest {

  private static List<List<Share>> subsets(Share[] shares, int size) {
    List<List<Share>> out = new ArrayList<>();
    int n = shares.length;
    for (int mask = 0; mask < (1 << n); mask++) {
      if (Integer.bitCount(mask) == size) {
        List<Share> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if ((mask & (1 << i)) != 0) {
            s.add(shares[i]);
          }
        }
        out.add(s);
      }
    }
    return out;
  }

  @Test
  void everySubsetOfAtLeastThresholdReconstructs() {
    Shamir shamir =
        new Shamir(PrimeField.MERSENNE_61, 6, 3, RandomSource.deterministicForTesting(11));
    long[] secrets = {0, 1, 123456789012345L, PrimeField.MERSENNE_61.modulus() - 1};
    Share[] shares = shamir.split(secrets);
    assertThat(shares).hasSize(6);
    int checked = 0;
    for (int size = 3; size <= 6; size++) {
      for (List<Share> subset : subsets(shares, size)) {
        assertThat(shamir.reconstruct(subset)).containsExactly(secrets);
        checked++;
      }
    }
    assertThat(checked).isEqualTo(20 + 15 + 6 + 1);
  }

  @Test
  void twoSharesOfThresholdThreeDoNotDetermineTheSecret() {
    // Interpolating two shares with a wrong third point gives a different "secret", so t-1 shares
    // alone are consistent with others too; and reconstruct() refuses fewer than t shares.
    Shamir shamir = new Shamir(PrimeField.MERSENNE_61, 6, 3, RandomSource.secure());
    Share[] shares = shamir.split(new long[] {42});
    assertThatThrownBy(() -> shamir.reconstruct(List.of(shares[0], shares[1])))
        .hasMessageContaining("threshold=3");
  }

  @Test
  void sharesOfTwoDifferentSecretsAreIdenticallyDistributedBelowThreshold() {
    // GF(13), t = 3: the pair (share 1, share 2) must be uniform on 13^2 cells whatever the
    // secret. Chi-square with 168 degrees of freedom; the 0.9999 quantile is about 240. Fails if
    // the
    // coefficients are not uniform (e.g. zero coefficients put all mass in one cell).
    PrimeField f = new PrimeField(13);
    Shamir shamir = new Shamir(f, 6, 3, RandomSource.deterministicForTesting(5));
    int runs = 169 * 120;
    for (long secret : new long[] {0, 7}) {
      int[] counts = new int[169];
      for (int i = 0; i < runs; i++) {
        Share[] s = shamir.split(new long[] {secret});
        counts[(int) (s[0].y()[0] * 13 + s[1].y()[0])]++;
      }
      double expected = runs / 169.0;
      double chi2 = 0;
      for (int c : counts) {
        chi2 += (c - expected) * (c - expected) / expected;
      }
      assertThat(chi2).as("chi-square for secret %d", secret).isLessThan(240);
    }
  }

  @Test
  void bytesRoundTripThroughShares() {
    Shamir shamir = new Shamir(PrimeField.MERSENNE_61, 5, 2, RandomSource.secure());
    for (int len : new int[] {0, 1, 7, 8, 32, 33}) {
      byte[] secret = new byte[len];
      for (int i = 0; i < len; i++) {
        secret[i] = (byte) (255 - 17 * i);
      }
      Share[] shares = shamir.splitBytes(secret);
      assertThat(shamir.reconstructBytes(List.of(shares[4], shares[1]), len))
          .containsExactly(secret);
    }
  }

  @Test
  void rejectsBadShareSets() {
    Shamir shamir = new Shamir(PrimeField.MERSENNE_61, 4, 2, RandomSource.secure());
    Share[] shares = shamir.split(new long[] {1, 2});
    assertThatThrownBy(() -> shamir.reconstruct(List.of(shares[0], shares[0])))
        .hasMessageContaining("duplicate share x=1");
    assertThatThrownBy(() -> shamir.reconstruct(List.of(shares[0], new Share(2, new long[] {1}))))
        .hasMessageContaining("expected 2");
    assertThatThrownBy(
            () -> shamir.reconstruct(List.of(shares[0], new Share(9, new long[] {1, 2}))))
        .hasMessageContaining("outside");
    assertThatThrownBy(() -> new Shamir(PrimeField.MERSENNE_61, 4, 5, RandomSource.secure()))
        .hasMessageContaining("threshold");
  }
}
