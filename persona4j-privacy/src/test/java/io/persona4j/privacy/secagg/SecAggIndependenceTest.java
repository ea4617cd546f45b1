/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.privacy.encoding.FixedPoint;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server's view of one client's masked vector must not depend on that client's input. Over many
 * rounds (fresh keys and seeds each time, SecureRandom) with modulus 16, client 1's masked residues
 * are collected for two inputs whose encodings differ (+1 -> 1, -1 -> 15). A chi-square test of
 * homogeneity (2 x 16 table, 15 degrees of freedom; 0.9999 quantile 44.26) must not reject, and
 * each sample must also pass a goodness-of-fit test against the uniform distribution. Without
 * masking the residues would be constant (1 vs 15) and both statistics would be in the thousands;
 * the test checks that too on the unmasked encodings, so it demonstrably has power.
 */
class SecAggIndependenceTest {
  private static final double CHI2_15_9999 = 44.26;

  private static double homogeneity(long[] a, long[] b) {
    double na = Arrays.stream(a).sum();
    double nb = Arrays.stream(b).sum();
    double chi2 = 0;
    for (int k = 0; k < a.length; k++) {
      double col = a[k] + b[k];
      if (col == 0) {
        continue;
      }
      double ea = col * na / (na + nb);
      double eb = col * nb / (na + nb);
      chi2 += (a[k] - ea) * (a[k] - ea) / ea + (b[k] - eb) * (b[k] - eb) / eb;
    }
    return chi2;
  }

  private static double uniformity(long[] a) {
    double n = Arrays.stream(a).sum();
    double e = n / a.length;
    double chi2 = 0;
    for (long v : a) {
      chi2 += (v - e) * (v - e) / e;
    }
    return chi2;
  }

  @Test
  void maskedVectorOfOneClientIsIndependentOfItsInput() {
    int len = 256;
    SecAggConfig c = new SecAggConfig(3, 2, len, new FixedPoint(1.0, 1.0, 16));
    long[][] hist = new long[2][16];
    long[][] plainHist = new long[2][16];
    float[] plus = new float[len];
    float[] minus = new float[len];
    Arrays.fill(plus, 1f);
    Arrays.fill(minus, -1f);
    int rounds = 40;
    for (int r = 0; r < rounds; r++) {
      for (int which = 0; which < 2; which++) {
        float[][] x = {null, which == 0 ? plus : minus, new float[len], new float[len]};
        SecAggHarness h = new SecAggHarness(c, Map.of(), r * 2L + which);
        h.run(x);
        for (long y : h.maskedInputs[1].maskedInput()) {
          hist[which][(int) y]++;
        }
        for (long y : c.fixedPoint().encode(x[1])) {
          plainHist[which][(int) y]++;
        }
      }
    }
    assertThat(homogeneity(hist[0], hist[1])).isLessThan(CHI2_15_9999);
    assertThat(uniformity(hist[0])).isLessThan(CHI2_15_9999);
    assertThat(uniformity(hist[1])).isLessThan(CHI2_15_9999);
    // Power check: the same statistics on the unmasked encodings reject massively.
    assertThat(homogeneity(plainHist[0], plainHist[1])).isGreaterThan(1000);
    assertThat(uniformity(plainHist[0])).isGreaterThan(1000);
  }
}
