/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One decode position of grouped-query self-attention over a key/value cache that lives in native
 * memory (PyTorch's cache arrays, read and written in place): the new key and value are written at
 * their slot, then each query head attends to every slot up to and including it. The same formulas
 * as the PyTorch path ({@code softmax(q K^T + mask) V}, query heads {@code [h * g, (h + 1) * g)}
 * sharing key/value head {@code h}), in float; summation order differs, so results agree to
 * rounding. Needs JDK 22 or newer ({@link NativeFloats}).
 */
public final class CachedAttention {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private CachedAttention() {}

  /** Whether {@link #decode} works on this JVM (JDK 22 or newer). */
  public static boolean supported() {
    return NativeFloats.AVAILABLE;
  }

  /**
   * Attention of one new position per row.
   *
   * @param qkv {@code [rows, (heads + 2 kvHeads) * headDim]}: per row the queries (RoPE applied,
   *     scaled by {@code 1 / sqrt(headDim)}), the keys (RoPE applied) and the values of the new
   *     position
   * @param keys the key cache of one layer, a direct buffer of native-order floats {@code [slots,
   *     kvHeads, capacity, headDim]} with {@code slots >= rows} (rows {@code [0, rows)} are used);
   *     row {@code r}'s new keys are written at slot {@code positions[r]}
   * @param values the value cache, laid out as {@code keys}
   * @param positions {@code [rows]}: the slot of each row's new position, below {@code span}
   * @param span every row attends to slots {@code [0, span)} (its own new position included)
   * @param mask additive mask {@code [rows, span]} over those slots (hiding padding, and slots a
   *     row has not reached), or null for none
   * @return {@code [rows, heads * headDim]}, the heads of a row side by side
   * @throws IllegalArgumentException if the sizes do not fit
   * @throws IllegalStateException if {@link #supported()} is false
   */
  public static float[] decode(
      float[] qkv,
      int rows,
      int heads,
      int kvHeads,
      int headDim,
      ByteBuffer keys,
      ByteBuffer values,
      int capacity,
      int[] positions,
      int span,
      float[] mask) {
    int cols = (heads + 2 * kvHeads) * headDim;
    long rowBytes = 4L * kvHeads * capacity * headDim;
    boolean fits =
        rows >= 1
            && kvHeads >= 1
            && headDim >= 1
            && heads % kvHeads == 0
            && qkv.length == (long) rows * cols
            && positions.length == rows
            && span >= 1
            && span <= capacity
            && keys.isDirect()
            && values.isDirect()
            && keys.capacity() == values.capacity()
            && keys.capacity() % rowBytes == 0
            && keys.capacity() / rowBytes >= rows
            && (mask == null || mask.length == (long) rows * span);
    for (int i = 0; fits && i < rows; i++) {
      fits = positions[i] >= 0 && positions[i] < span;
    }
    if (!fits) {
      throw new IllegalArgumentException(
          "attention of %d rows (%d heads, %d kv heads of %d) writing at slots %s, attending to %d of %d: %d inputs, cache of %d and %d bytes, mask of %s"
              .formatted(
                  rows,
                  heads,
                  kvHeads,
                  headDim,
                  java.util.Arrays.toString(positions),
                  span,
                  capacity,
                  qkv.length,
                  keys.capacity(),
                  values.capacity(),
                  mask == null ? "none" : mask.length + " values"));
    }
    int slots = span;
    if (!NativeFloats.AVAILABLE) {
      throw new IllegalStateException("attention on native memory needs JDK 22 or newer");
    }
    ByteBuffer kb = keys.duplicate().order(NATIVE);
    ByteBuffer vb = values.duplicate().order(NATIVE);
    FloatBuffer kf = kb.asFloatBuffer();
    FloatBuffer vf = vb.asFloatBuffer();
    int group = heads / kvHeads;
    float[] out = new float[rows * heads * headDim];
    float[] scores = new float[slots];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < kvHeads; j++) {
        int first = (r * kvHeads + j) * capacity * headDim; // float index of slot 0
        int at = first + positions[r] * headDim;
        kf.put(at, qkv, r * cols + (heads + j) * headDim, headDim);
        vf.put(at, qkv, r * cols + (heads + kvHeads + j) * headDim, headDim);
      }
    }
    Object ks = NativeFloats.segment(kb);
    Object vs = NativeFloats.segment(vb);
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < heads; h++) {
        int first = (r * kvHeads + h / group) * capacity * headDim;
        int q = r * cols + h * headDim;
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < slots; s++) {
          float score =
              VectorKernels.dotF32(ks, kb, 4L * (first + (long) s * headDim), qkv, q, headDim);
          if (mask != null) {
            score += mask[r * slots + s];
          }
          scores[s] = score;
          max = Math.max(max, score);
        }
        float sum = 0;
        for (int s = 0; s < slots; s++) {
          float e = (float) Math.exp(scores[s] - max);
          scores[s] = e;
          sum += e;
        }
        int o = (r * heads + h) * headDim;
        for (int s = 0; s < slots; s++) {
          addScaled(vs, vb, 4L * (first + (long) s * headDim), scores[s] / sum, out, o, headDim);
        }
      }
    }
    return out;
  }

  /**
   * {@code y[yOff + i] += p * v[i]} for {@code n} native floats of {@code v} from byte {@code off}.
   */
  private static void addScaled(
      Object v, ByteBuffer vb, long off, float p, float[] y, int yOff, int n) {
    FloatVector pv = FloatVector.broadcast(F, p);
    int i = 0;
    for (int upper = n - L; i <= upper; i += L) {
      NativeFloats.load(F, v, off + 4L * i)
          .fma(pv, FloatVector.fromArray(F, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += p * vb.getFloat((int) (off + 4L * i));
    }
  }
}
