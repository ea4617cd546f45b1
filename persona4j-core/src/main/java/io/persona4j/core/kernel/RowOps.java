/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import java.nio.FloatBuffer;

/**
 * The elementwise work between the projections of a small-batch decode step, on the rows the kernel
 * already holds in the JVM (so that a step needs no PyTorch op between them): Llama's RMS norm,
 * SwiGLU's {@code silu(gate) * up}, RoPE and the residual add. The same formulas as the PyTorch
 * path, in float; the mean square is summed in double.
 */
public final class RowOps {
  private RowOps() {}

  /**
   * {@code w * x / sqrt(mean(x^2) + eps)} for each of the {@code rows} rows of {@code x [rows, h]},
   * {@code w [h]}.
   *
   * @return a new {@code [rows, h]} array
   */
  public static float[] rmsNorm(float[] x, int rows, FloatBuffer w, float eps) {
    int h = w.capacity();
    if (rows < 1 || x.length != (long) rows * h) {
      throw new IllegalArgumentException(
          "input of " + x.length + " floats is not " + rows + " rows of " + h);
    }
    float[] y = new float[x.length];
    for (int r = 0; r < rows; r++) {
      int off = r * h;
      double ss = 0;
      for (int i = 0; i < h; i++) {
        float v = x[off + i];
        ss += (double) v * v;
      }
      float rms = (float) Math.sqrt((float) (ss / h) + eps);
      for (int i = 0; i < h; i++) {
        y[off + i] = x[off + i] / rms * w.get(i);
      }
    }
    return y;
  }

  /**
   * {@code silu(gate) * up} for {@code gateUp [rows, 2 * inter]} whose first {@code inter} columns
   * are the gate and the next {@code inter} the up projection of each row.
   *
   * @return a new {@code [rows, inter]} array
   */
  public static float[] siluMul(float[] gateUp, int rows, int inter) {
    if (rows < 1 || inter < 1 || gateUp.length != 2L * rows * inter) {
      throw new IllegalArgumentException(
          "input of " + gateUp.length + " floats is not " + rows + " rows of 2 x " + inter);
    }
    float[] y = new float[rows * inter];
    for (int r = 0; r < rows; r++) {
      int g = 2 * r * inter;
      for (int i = 0; i < inter; i++) {
        float gate = gateUp[g + i];
        float sigmoid = (float) (1.0 / (1.0 + Math.exp(-gate)));
        y[r * inter + i] = gate * sigmoid * gateUp[g + inter + i];
      }
    }
    return y;
  }

  /**
   * Rotary position embedding, in place, on the first {@code heads} heads of each row of {@code y
   * [rows, cols]} ({@code headDim} columns each, from column 0): {@code x * cos + rotate_half(x) *
   * sin}, {@code rotate_half(x) = (-x[d/2:], x[:d/2])}, with {@code cos, sin [rows, headDim]}; then
   * the first {@code scaledHeads} of them are multiplied by {@code scale} (the attention's {@code 1
   * / sqrt(headDim)} on the queries).
   */
  public static void rope(
      float[] y,
      int rows,
      int cols,
      int heads,
      int headDim,
      float[] cos,
      float[] sin,
      int scaledHeads,
      float scale) {
    int half = headDim / 2;
    if (rows < 1
        || y.length != (long) rows * cols
        || (long) heads * headDim > cols
        || headDim % 2 != 0
        || cos.length != (long) rows * headDim
        || sin.length != cos.length
        || scaledHeads > heads) {
      throw new IllegalArgumentException(
          "rope of "
              + heads
              + " heads of "
              + headDim
              + " on "
              + rows
              + " rows of "
              + cols
              + " with "
              + cos.length
              + " cos values");
    }
    float[] rotated = new float[headDim];
    for (int r = 0; r < rows; r++) {
      int a = r * headDim;
      for (int h = 0; h < heads; h++) {
        int off = r * cols + h * headDim;
        for (int i = 0; i < half; i++) {
          rotated[i] = -y[off + i + half];
          rotated[i + half] = y[off + i];
        }
        float s = h < scaledHeads ? scale : 1f;
        for (int i = 0; i < headDim; i++) {
          float v = y[off + i] * cos[a + i] + rotated[i] * sin[a + i];
          y[off + i] = h < scaledHeads ? v * s : v;
        }
      }
    }
  }

  /** {@code y += x}, elementwise (a residual add on rows in the JVM). */
  public static void addTo(float[] y, float[] x) {
    if (y.length != x.length) {
      throw new IllegalArgumentException(y.length + " values plus " + x.length);
    }
    for (int i = 0; i < y.length; i++) {
      y[i] += x[i];
    }
  }
}
