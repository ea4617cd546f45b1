/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Seeded initial values of new LoRA matrices, as PEFT initializes them. With {@code
 * init_lora_weights = true}, A {@code [r, in]} gets {@code kaiming_uniform_(a = sqrt(5))} (the
 * default of {@code nn.Linear}: uniform on {@code ±1/sqrt(in)}) and B {@code [out, r]} zeros, so a
 * new adapter leaves the model unchanged.
 */
public final class LoraInit {
  private LoraInit() {}

  /**
   * PyTorch's {@code kaiming_uniform_(w, a=sqrt(5))} for a weight with {@code fanIn} inputs: gain
   * {@code sqrt(2 / (1 + a^2)) = sqrt(1/3)}, bound {@code gain * sqrt(3 / fanIn) = 1/sqrt(fanIn)}.
   */
  public static double kaimingUniformBound(long fanIn) {
    double a = Math.sqrt(5);
    double gain = Math.sqrt(2.0 / (1 + a * a));
    return gain * Math.sqrt(3.0 / fanIn);
  }

  /** {@code rows * cols} values uniform on {@code ±kaimingUniformBound(cols)}. */
  public static float[] kaimingUniform(int rows, int cols, SplittableRandom random) {
    double bound = kaimingUniformBound(cols);
    float[] w = new float[Math.multiplyExact(rows, cols)];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((2 * random.nextDouble() - 1) * bound);
    }
    return w;
  }

  /** {@code n} values N(0, std^2) (Box-Muller on the given stream). */
  public static float[] normal(int n, double std, SplittableRandom random) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      w[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return w;
  }

  /**
   * A random stream for one matrix of one module: a function of the seed, the adapter name, the
   * module path and the matrix ("A", "B"), so that results do not depend on injection order.
   */
  public static SplittableRandom stream(long seed, String adapter, String path, String matrix) {
    long h = seed;
    for (byte b :
        (adapter + "\u0000" + path + "\u0000" + matrix).getBytes(StandardCharsets.UTF_8)) {
      h = mix(h ^ b);
    }
    return new SplittableRandom(mix(h));
  }

  /** Stafford's variant 13 of the 64-bit finalizer (as in SplittableRandom). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Initial A and B values of a new adapter on one module, as {@code init_lora_weights} asks. */
  static float[][] initial(
      Object initLoraWeights, int rank, int in, int out, long seed, String adapter, String path) {
    SplittableRandom ra = stream(seed, adapter, path, "A");
    SplittableRandom rb = stream(seed, adapter, path, "B");
    if (Boolean.TRUE.equals(initLoraWeights)) {
      return new float[][] {kaimingUniform(rank, in, ra), new float[out * rank]};
    }
    if (Boolean.FALSE.equals(initLoraWeights)) {
      // no reset_lora_parameters: both keep nn.Linear's default init
      return new float[][] {kaimingUniform(rank, in, ra), kaimingUniform(out, rank, rb)};
    }
    if ("gaussian".equalsIgnoreCase(String.valueOf(initLoraWeights))) {
      return new float[][] {normal(rank * in, 1.0 / rank, ra), new float[out * rank]};
    }
    throw new IllegalArgumentException(
        "init_lora_weights = "
            + initLoraWeights
            + " is not supported for new adapters (use true, false or \"gaussian\")");
  }
}
