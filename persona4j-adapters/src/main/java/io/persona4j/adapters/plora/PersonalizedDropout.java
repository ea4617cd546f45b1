/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * PLoRA's personalized dropout: per training sample, with probability {@code p_rate} the whole user
 * vector is zeroed, with no rescaling of the kept ones (the authors' {@code np.random.binomial(1, 1
 * - p_rate, B)} keep mask multiplied onto {@code p_u}), so that the model also learns the user-free
 * path it serves new users with.
 *
 * <p>Deterministic given a seed: the k-th mask after construction (or {@link #reseed}) depends only
 * on the seed and k.
 */
public final class PersonalizedDropout {
  private final double rate;
  private long seed;
  private long calls;

  /**
   * @param rate the probability of zeroing a sample's user vector, in [0, 1)
   * @param seed the seed of the mask streams
   */
  public PersonalizedDropout(double rate, long seed) {
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("p_rate must be in [0, 1), got " + rate);
    }
    this.rate = rate;
    this.seed = seed;
  }

  /** {@code p_rate}. */
  public double rate() {
    return rate;
  }

  /** Restarts the mask sequence from {@code seed}. */
  public synchronized void reseed(long seed) {
    this.seed = seed;
    this.calls = 0;
  }

  /** The next keep mask of {@code batch} samples: 1 (kept) or 0 (user vector zeroed). */
  public synchronized float[] nextKeepMask(int batch) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + (++calls));
    float[] keep = new float[batch];
    for (int i = 0; i < batch; i++) {
      keep[i] = r.nextDouble() < rate ? 0f : 1f;
    }
    return keep;
  }

  /**
   * {@code vectors [B, d_u]} with the next keep mask applied per row; {@code vectors} itself when
   * the rate is 0. Differentiable (the mask is a torch-owned constant, see {@code
   * io.persona4j.core.train.Autograd}).
   */
  public NDArray apply(NDArray vectors) {
    if (rate == 0) {
      return vectors;
    }
    int b = Math.toIntExact(vectors.getShape().get(0));
    NDManager m = vectors.getManager();
    try (NDArray host = m.create(nextKeepMask(b), new Shape(b, 1))) {
      NDArray mask = host.duplicate(); // [B, 1]
      return vectors.mul(mask); // [B, d_u]
    }
  }
}
