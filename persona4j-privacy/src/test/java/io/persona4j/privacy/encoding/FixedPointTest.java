/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FixedPointTest {

  @Test
  void maxSummandsIsHandComputedAndSharp() {
    // clip 1, scale 2^10 -> qMax 1024; M = 2^20 -> floor((2^20 - 1) / 2048) = 511.
    FixedPoint fp = new FixedPoint(1.0, 1024, 1 << 20);
    assertThat(fp.qMax()).isEqualTo(1024);
    assertThat(fp.maxSummands()).isEqualTo(511);
    // 511 extreme values of either sign decode exactly.
    for (float v : new float[] {1f, -1f}) {
      long[] acc = new long[1];
      long[] enc = fp.encode(new float[] {v});
      for (int i = 0; i < 511; i++) {
        fp.addInto(acc, enc);
      }
      assertThat(fp.decodeSum(acc, 511)[0]).isEqualTo(511.0 * v);
    }
    // 512 summands of +1 really wrap (2^19 decodes to -2^19), so the bound must reject it.
    long[] acc = new long[1];
    long[] enc = fp.encode(new float[] {1f});
    for (int i = 0; i < 512; i++) {
      fp.addInto(acc, enc);
    }
    assertThat(fp.centered(acc[0])).isEqualTo(-(1L << 19));
    assertThatThrownBy(() -> fp.decodeSum(acc, 512))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("summands=512")
        .hasMessageContaining("wrap around");
  }

  @Test
  void sumOfEncodingsDecodesToExactSumOfQuantizedValues() {
    FixedPoint fp = new FixedPoint(2.0, 1 << 16, 1L << 40);
    SplittableRandom r = new SplittableRandom(7);
    int clients = 50;
    int dim = 64;
    long[] acc = new long[dim];
    long[] plain = new long[dim];
    for (int c = 0; c < clients; c++) {
      float[] x = new float[dim];
      for (int i = 0; i < dim; i++) {
        x[i] = (float) (r.nextDouble() * 6 - 3); // some beyond the clip range
        plain[i] += fp.quantize(x[i]);
      }
      fp.addInto(acc, fp.encode(x));
    }
    double[] sum = fp.decodeSum(acc, clients);
    for (int i = 0; i < dim; i++) {
      assertThat(sum[i]).isEqualTo(plain[i] / (double) (1 << 16));
    }
  }

  @Test
  void encodeClipsAndRoundTripsWithinHalfAStep() {
    FixedPoint fp = new FixedPoint(1.5, 100, 1_000_003);
    float[] x = {0f, 0.123f, -0.987f, 1.5f, -1.5f, 7f, -7f, 0.004f, -0.006f};
    long[] enc = fp.encode(x);
    for (long e : enc) {
      assertThat(e).isBetween(0L, 1_000_002L);
    }
    float[] back = fp.decode(enc);
    for (int i = 0; i < x.length; i++) {
      double clipped = Math.max(-1.5, Math.min(1.5, x[i]));
      assertThat((double) back[i]).isCloseTo(clipped, within(0.5 / 100 + 1e-6));
    }
    assertThat(enc[5]).isEqualTo(150);
    assertThat(enc[6]).isEqualTo(1_000_003 - 150);
    assertThat(fp.quantize(-0.006)).isEqualTo(-1);
  }

  @Test
  void subtractUndoesAdd() {
    FixedPoint fp = new FixedPoint(1, 10, 97);
    long[] a = {0, 5, 96, 50};
    long[] b = {96, 96, 96, 0};
    long[] c = a.clone();
    fp.addInto(c, b);
    assertThat(c).containsExactly(96, 4, 95, 50);
    fp.subtractInto(c, b);
    assertThat(c).containsExactly(a);
  }

  @Test
  void invalidConfigurationsNameTheField() {
    assertThatThrownBy(() -> new FixedPoint(0, 10, 1000)).hasMessageContaining("clip");
    assertThatThrownBy(() -> new FixedPoint(1, -1, 1000)).hasMessageContaining("scale");
    assertThatThrownBy(() -> new FixedPoint(1, 10, 2)).hasMessageContaining("modulus");
    assertThatThrownBy(() -> new FixedPoint(1, 10, 20)).hasMessageContaining("too small");
    assertThatThrownBy(() -> new FixedPoint(1, 10, 1000).encode(new float[] {Float.NaN}))
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> new FixedPoint(1, 10, 1000).centered(1000))
        .hasMessageContaining("residue");
  }
}
