/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

import java.util.SplittableRandom;

/**
 * A Johnson-Lindenstrauss random projection {@code R^d -> R^r} shared by all clients through a
 * common seed: entries N(0, 1/r) drawn from {@link SplittableRandom}, so every client with the same
 * {@code (inputDim, outputDim, seed)} builds the same matrix and no party sends it. {@link
 * #projectNormalized} also scales the result to unit L2 norm, which bounds every coordinate and
 * squared norm by 1 (the fixed-point range of the secure clustering).
 */
public final class RandomProjection {
  private final int inputDim;
  private final int outputDim;
  private final double[] matrix; // [outputDim][inputDim] row-major

  /**
   * @param inputDim d, {@code >= 1}
   * @param outputDim r, {@code >= 1}
   * @param seed the seed every client shares
   */
  public RandomProjection(int inputDim, int outputDim, long seed) {
    if (inputDim < 1) {
      throw new IllegalArgumentException("inputDim must be >= 1, got " + inputDim);
    }
    if (outputDim < 1) {
      throw new IllegalArgumentException("outputDim must be >= 1, got " + outputDim);
    }
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.matrix = new double[Math.multiplyExact(inputDim, outputDim)];
    SplittableRandom random = new SplittableRandom(seed);
    double std = 1 / Math.sqrt(outputDim);
    for (int i = 0; i < matrix.length; i++) {
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      matrix[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
  }

  public int inputDim() {
    return inputDim;
  }

  public int outputDim() {
    return outputDim;
  }

  /** {@code R x}. */
  public double[] project(float[] x) {
    if (x.length != inputDim) {
      throw new IllegalArgumentException(
          "vector has length " + x.length + ", the projection expects " + inputDim);
    }
    double[] out = new double[outputDim];
    for (int o = 0; o < outputDim; o++) {
      double s = 0;
      int base = o * inputDim;
      for (int i = 0; i < inputDim; i++) {
        s += matrix[base + i] * x[i];
      }
      out[o] = s;
    }
    return out;
  }

  /** {@code R x / ||R x||} (the zero vector stays zero). */
  public double[] projectNormalized(float[] x) {
    double[] z = project(x);
    double n = 0;
    for (double v : z) {
      n += v * v;
    }
    n = Math.sqrt(n);
    if (n > 0) {
      for (int i = 0; i < z.length; i++) {
        z[i] /= n;
      }
    }
    return z;
  }
}
