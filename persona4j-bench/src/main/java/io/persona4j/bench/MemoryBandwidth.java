/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Read bandwidth of main memory as a decode step sees it: every core sums its share of a 512 MiB
 * float array (far beyond the caches) with the Vector API; the best of 5 passes counts.
 */
final class MemoryBandwidth {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private MemoryBandwidth() {}

  /** GB/s (10^9 bytes per second). */
  static double measureGBs() {
    float[] a = new float[128 << 20]; // 512 MiB
    for (int i = 0; i < a.length; i += 1024) {
      a[i] = i; // touch every page
    }
    int parts = Runtime.getRuntime().availableProcessors() * 4;
    int chunk = a.length / parts;
    double best = 0;
    float sink = 0;
    for (int pass = 0; pass < 5; pass++) {
      long t0 = System.nanoTime();
      double s =
          IntStream.range(0, parts)
              .parallel()
              .mapToDouble(p -> sum(a, p * chunk, (p + 1) * chunk))
              .sum();
      long t = System.nanoTime() - t0;
      sink += (float) s;
      best = Math.max(best, 4.0 * parts * chunk / t);
    }
    if (sink == 42f) {
      System.err.print(""); // keeps the sums alive
    }
    return best;
  }

  private static float sum(float[] a, int from, int to) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int l = F.length();
    int i = from;
    for (; i + 2 * l <= to; i += 2 * l) {
      acc0 = acc0.add(FloatVector.fromArray(F, a, i));
      acc1 = acc1.add(FloatVector.fromArray(F, a, i + l));
    }
    float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < to; i++) {
      s += a[i];
    }
    return s;
  }
}
