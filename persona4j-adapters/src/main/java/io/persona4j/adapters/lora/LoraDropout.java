/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import java.util.SplittableRandom;

/**
 * Inverted dropout on a LoRA input, deterministic given a seed: the k-th call after construction
 * (or {@link #reseed}) draws its mask from a stream that depends only on the seed and k, so a run
 * repeats exactly whatever else uses the engine's random generator. Kept elements are scaled by
 * {@code 1 / (1 - p)}, as {@code torch.nn.Dropout} does.
 *
 * <p>The mask is drawn on the Java heap (one {@code nextDouble} per element); that is cheap next to
 * the matmuls it precedes for the activation sizes adapters are trained with on a CPU.
 */
public final class LoraDropout {
  private final double p;
  private long seed;
  private long calls;

  /**
   * @param p drop probability in [0, 1)
   * @param seed the seed of the mask streams
   */
  public LoraDropout(double p, long seed) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout probability " + p + " is not in [0, 1)");
    }
    this.p = p;
    this.seed = seed;
  }

  /** The drop probability. */
  public double p() {
    return p;
  }

  /** Restarts the mask sequence from {@code seed}. */
  public synchronized void reseed(long seed) {
    this.seed = seed;
    this.calls = 0;
  }

  /**
   * {@code x} with elements zeroed with probability p and the rest scaled by {@code 1/(1-p)}; x
   * itself when p is 0. The result lives on x's manager.
   *
   * <p>The mask the product keeps for the backward pass is a copy in memory owned by PyTorch: an
   * array made from Java data wraps a buffer that is freed once the array is closed and collected,
   * while autograd still reads the mask in the backward pass (see {@code
   * io.persona4j.core.train.Autograd}). Closing the handles here only drops DJL's references.
   */
  public NDArray apply(NDArray x) {
    if (p == 0) {
      return x;
    }
    float[] mask = nextMask(Math.toIntExact(x.getShape().size()));
    try (NDArray m = x.getManager().create(mask, x.getShape());
        NDArray owned = m.duplicate(); // a clone: torch-owned memory (toType may return a view)
        NDArray typed = owned.toType(x.getDataType(), false)) {
      return x.mul(typed);
    }
  }

  /** The next mask of {@code n} elements: 0 or {@code 1/(1-p)}. */
  synchronized float[] nextMask(int n) {
    SplittableRandom r = new SplittableRandom(LoraInit.mix(seed ^ LoraInit.mix(++calls)));
    float keep = (float) (1 / (1 - p));
    float[] mask = new float[n];
    for (int i = 0; i < n; i++) {
      mask[i] = r.nextDouble() < p ? 0f : keep;
    }
    return mask;
  }
}
