/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.RopeScaling;
import io.persona4j.core.model.TorchOps;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Rotary position embedding in the Hugging Face convention ({@code rotate_half}: the first and
 * second halves of each head form the complex pairs), with Llama 3 and linear frequency scaling.
 */
public final class Rope {
  private final int headDim;
  private final NDArray cos; // [maxPos, headDim]
  private final NDArray sin; // [maxPos, headDim]
  private final NDArray rotateHalf; // [headDim, headDim]: x @ R == concat(-x2, x1)
  private volatile Boolean inPlace; // whether cos and sin can be read in place (checked once)

  /**
   * cos and sin of the rotation angles of some positions, computed once per forward pass and shared
   * by every layer: {@code cos} and {@code sin}, {@code [B, T, 1, headDim]} each.
   */
  public static final class Angles {
    private final NDArray cos;
    private final NDArray sin;
    private float[][] rows; // cos and sin [B * T, d] in the JVM, read on first use

    Angles(NDArray cos, NDArray sin) {
      this.cos = cos;
      this.sin = sin;
    }

    /** {@code [B, T, 1, d]}. */
    public NDArray cos() {
      return cos;
    }

    /** {@code [B, T, 1, d]}. */
    public NDArray sin() {
      return sin;
    }

    /**
     * cos and sin as {@code [B * T, d]} floats (one copy each per forward pass, shared by layers).
     */
    float[][] inJvm() {
      float[][] r = rows;
      if (r == null) {
        r = new float[][] {cos.toFloatArray(), sin.toFloatArray()};
        rows = r;
      }
      return r;
    }
  }

  private Rope(int headDim, NDArray cos, NDArray sin, NDArray rotateHalf) {
    this.headDim = headDim;
    this.cos = cos;
    this.sin = sin;
    this.rotateHalf = rotateHalf;
  }

  /** Precomputes cos/sin tables for positions {@code [0, maxPositions)} in double precision. */
  public static Rope create(LlamaConfig config, int maxPositions, NDManager manager) {
    double[] invFreq = inverseFrequencies(config);
    int d = config.headDim();
    int half = d / 2;
    float[] c = new float[maxPositions * d];
    float[] s = new float[maxPositions * d];
    for (int p = 0; p < maxPositions; p++) {
      for (int i = 0; i < half; i++) {
        // PyTorch computes the angle in float32: (float) p * (float) invFreq.
        float angle = (float) p * (float) invFreq[i];
        float ci = (float) Math.cos(angle);
        float si = (float) Math.sin(angle);
        c[p * d + i] = ci;
        c[p * d + i + half] = ci;
        s[p * d + i] = si;
        s[p * d + i + half] = si;
      }
    }
    // rotate_half as a signed permutation: out[i] = -x[i + d/2] (i < d/2), x[i - d/2] (i >= d/2).
    float[] r = new float[d * d];
    for (int i = 0; i < half; i++) {
      r[(i + half) * d + i] = -1f;
      r[i * d + i + half] = 1f;
    }
    return new Rope(
        d,
        manager.create(c, new Shape(maxPositions, d)),
        manager.create(s, new Shape(maxPositions, d)),
        manager.create(r, new Shape(d, d)));
  }

  /** The per-pair inverse frequencies {@code 1 / theta^(2i/d)}, scaled as the config asks. */
  public static double[] inverseFrequencies(LlamaConfig config) {
    int d = config.headDim();
    double[] inv = new double[d / 2];
    for (int i = 0; i < d / 2; i++) {
      // As in HF: base ** (arange(0, dim, 2, dtype=int64).float() / dim), in float32.
      float exponent = (float) (2 * i) / (float) d;
      inv[i] = 1.0f / (float) Math.pow(config.ropeTheta(), exponent);
    }
    RopeScaling scaling = config.ropeScaling();
    if (scaling == null || scaling.kind().equals("default")) {
      return inv;
    }
    if (scaling.kind().equals("linear")) {
      for (int i = 0; i < inv.length; i++) {
        inv[i] = (float) (inv[i] / scaling.factor());
      }
      return inv;
    }
    // llama3: keep high frequencies, divide low ones by factor, smooth in between.
    double factor = scaling.factor();
    double low = scaling.lowFreqFactor();
    double high = scaling.highFreqFactor();
    double oldLen = scaling.originalMaxPositionEmbeddings();
    double lowFreqWavelen = oldLen / low;
    double highFreqWavelen = oldLen / high;
    for (int i = 0; i < inv.length; i++) {
      double wavelen = 2 * Math.PI / inv[i];
      double f = inv[i];
      if (wavelen > lowFreqWavelen) {
        f = inv[i] / factor;
      } else if (wavelen >= highFreqWavelen) {
        double smooth = (oldLen / wavelen - low) / (high - low);
        f = (1 - smooth) * inv[i] / factor + smooth * inv[i];
      }
      inv[i] = (float) f;
    }
    return inv;
  }

  public int maxPositions() {
    return (int) cos.getShape().get(0);
  }

  /**
   * The angles of {@code positions}, to pass to {@link #apply(NDArray, Angles)}.
   *
   * @param positions {@code [B, T]} int64 absolute positions
   */
  public Angles angles(NDArray positions) {
    NDArray c = TorchOps.rows(cos, positions).expandDims(2); // [B, T, 1, d]
    NDArray s = TorchOps.rows(sin, positions).expandDims(2); // [B, T, 1, d]
    return new Angles(c, s);
  }

  /**
   * cos and sin of {@code positions} as {@code [positions.length * headDim]} floats each, read from
   * the tables in place (no PyTorch op: the small-batch decode step in the JVM); null when the
   * tables cannot be read in place (JDK 21).
   *
   * @throws IllegalArgumentException if a position is outside {@code [0, maxPositions)}
   */
  float[][] inJvm(long[] positions) {
    Boolean ok = inPlace;
    if (ok == null) {
      ok = TorchOps.readableInPlace(cos) && TorchOps.readableInPlace(sin);
      inPlace = ok;
    }
    if (!ok) {
      return null;
    }
    FloatBuffer cb = TorchOps.inPlace(cos).order(ByteOrder.nativeOrder()).asFloatBuffer();
    FloatBuffer sb = TorchOps.inPlace(sin).order(ByteOrder.nativeOrder()).asFloatBuffer();
    float[] c = new float[positions.length * headDim];
    float[] s = new float[c.length];
    int max = maxPositions();
    for (int i = 0; i < positions.length; i++) {
      long p = positions[i];
      if (p < 0 || p >= max) {
        throw new IllegalArgumentException("position " + p + " is not within [0, " + max + ")");
      }
      cb.get((int) p * headDim, c, i * headDim, headDim);
      sb.get((int) p * headDim, s, i * headDim, headDim);
    }
    return new float[][] {c, s};
  }

  /**
   * Rotates queries and/or keys laid out position-major, {@code x [B, T, heads, headDim]}: {@code x
   * * cos + rotate_half(x) * sin}, with {@code rotate_half} as one small matmul (a signed
   * permutation, so exact) instead of two slices, a negation and a concatenation.
   *
   * @return {@code [B, T, heads, headDim]}
   */
  public NDArray apply(NDArray x, Angles a) {
    return x.mul(a.cos()).add(x.matMul(rotateHalf).mul(a.sin())); // [B, T, h, d]
  }

  /**
   * Rotates queries or keys laid out head-major.
   *
   * @param x {@code [B, heads, T, headDim]}
   * @param positions {@code [B, T]} int64 absolute positions
   * @return {@code [B, heads, T, headDim]}
   */
  public NDArray apply(NDArray x, NDArray positions) {
    NDArray c = cos.get(new NDIndex("{}", positions)).expandDims(1); // [B, 1, T, d]
    NDArray s = sin.get(new NDIndex("{}", positions)).expandDims(1); // [B, 1, T, d]
    int half = headDim / 2;
    NDArray x1 = x.get(new NDIndex("..., :{}", half)); // [B, h, T, d/2]
    NDArray x2 = x.get(new NDIndex("..., {}:", half)); // [B, h, T, d/2]
    NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1); // [B,h,T,d]
    return x.mul(c).add(rotated.mul(s)); // [B, h, T, d]
  }
}
