/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The sampler's fast paths against the naive forms they replace. */
class SamplerOrderTest {
  /** The comparator sort the primitive sort replaced: logit descending, id ascending on ties. */
  static int[] naive(float[] logits) {
    return IntStream.range(0, logits.length)
        .boxed()
        .sorted(
            (a, b) ->
                Float.compare(logits[b], logits[a]) != 0
                    ? Float.compare(logits[b], logits[a])
                    : Integer.compare(a, b))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  @Test
  void primitiveSortOrdersExactlyAsTheComparatorDid() {
    SplittableRandom r = new SplittableRandom(3);
    for (int trial = 0; trial < 50; trial++) {
      float[] x = new float[200];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) Math.round(r.nextGaussian() * 4) / 4; // many ties
      }
      x[r.nextInt(x.length)] = -0.0f;
      x[r.nextInt(x.length)] = 0.0f;
      x[r.nextInt(x.length)] = Float.NEGATIVE_INFINITY;
      x[r.nextInt(x.length)] = Float.POSITIVE_INFINITY;
      if (trial % 5 == 0) {
        x[r.nextInt(x.length)] = Float.NaN;
      }
      assertThat(Sampler.descending(x)).containsExactly(naive(x));
    }
  }

  @Test
  void fullDistributionSamplingFollowsTheSoftmax() {
    float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), -50f};
    Sampler s =
        new Sampler(new SamplingConfig(1, 1f, 0, 1f, 1f, Set.of(), 0), new SplittableRandom(9));
    int n = 30000;
    int[] counts = new int[4];
    for (int i = 0; i < n; i++) {
      counts[(int) s.next(logits.clone(), new long[0], 0)]++;
    }
    assertThat(counts[0] / (double) n).isBetween(1 / 6.0 - 0.012, 1 / 6.0 + 0.012);
    assertThat(counts[1] / (double) n).isBetween(2 / 6.0 - 0.015, 2 / 6.0 + 0.015);
    assertThat(counts[2] / (double) n).isBetween(3 / 6.0 - 0.015, 3 / 6.0 + 0.015);
    assertThat(counts[3]).isZero();
    assertThat(Arrays.stream(counts).sum()).isEqualTo(n);
  }
}
