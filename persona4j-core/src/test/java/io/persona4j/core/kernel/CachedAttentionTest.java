/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import static io.persona4j.core.kernel.InPlaceKernelTest.direct;
import static io.persona4j.core.kernel.InPlaceKernelTest.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link CachedAttention} against naive double-precision loops: 1 to 8 rows, multi-head, grouped
 * (GQA) and multi-query layouts, head sizes with vector tails, an additive mask, the first and the
 * last slot; and the cache writes land exactly at the new slot. On a JDK 21 runtime it is refused
 * (documented), which the tests check there.
 */
class CachedAttentionTest {
  /** softmax(q . K[0..pos] + mask) . V[0..pos] per query head, in double precision. */
  static double[] naive(
      float[] qkv,
      int rows,
      int heads,
      int kvHeads,
      int hd,
      float[] keys,
      float[] values,
      int cap,
      int pos,
      float[] mask) {
    int cols = (heads + 2 * kvHeads) * hd;
    int g = heads / kvHeads;
    double[] out = new double[rows * heads * hd];
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < heads; h++) {
        int base = (r * kvHeads + h / g) * cap * hd;
        double[] e = new double[pos + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s <= pos; s++) {
          double dot = 0;
          for (int i = 0; i < hd; i++) {
            double k =
                s == pos ? qkv[r * cols + (heads + h / g) * hd + i] : keys[base + s * hd + i];
            dot += qkv[r * cols + h * hd + i] * k;
          }
          e[s] = dot + (mask == null ? 0 : mask[r * (pos + 1) + s]);
          max = Math.max(max, e[s]);
        }
        double sum = 0;
        for (int s = 0; s <= pos; s++) {
          e[s] = Math.exp(e[s] - max);
          sum += e[s];
        }
        for (int s = 0; s <= pos; s++) {
          for (int i = 0; i < hd; i++) {
            double v =
                s == pos
                    ? qkv[r * cols + (heads + kvHeads + h / g) * hd + i]
                    : values[base + s * hd + i];
            out[(r * heads + h) * hd + i] += e[s] / sum * v;
          }
        }
      }
    }
    return out;
  }

  @Test
  void attentionEqualsNaiveLoopsAndWritesTheNewSlot() {
    if (!CachedAttention.supported()) {
      assertThat(Runtime.version().feature()).isLessThan(22);
      assertThatThrownBy(
              () ->
                  CachedAttention.decode(
                      new float[3],
                      1,
                      1,
                      1,
                      1,
                      direct(new float[2]),
                      direct(new float[2]),
                      2,
                      0,
                      null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("JDK 22");
      return;
    }
    assertThat(Runtime.version().feature()).isGreaterThanOrEqualTo(22);
    int[][] layouts = {{4, 4, 8}, {6, 2, 5}, {4, 1, 64}, {3, 3, 19}}; // heads, kvHeads, headDim
    for (int[] l : layouts) {
      int heads = l[0];
      int kvHeads = l[1];
      int hd = l[2];
      int cap = 7;
      for (int rows = 1; rows <= PackedMatrix.MAX_DECODE_ROWS; rows += 3) {
        for (int pos : new int[] {0, 3, cap - 1}) {
          int n = rows * kvHeads * cap * hd;
          float[] keys = random(n, 1 + pos);
          float[] values = random(n, 2 + pos);
          float[] qkv = random(rows * (heads + 2 * kvHeads) * hd, 3 + rows);
          float[] mask = random(rows * (pos + 1), 4);
          for (int r = 0; r < rows; r++) {
            mask[r * (pos + 1)] = -1e9f; // a masked slot (left padding), except where alone
            if (pos == 0) {
              mask[r] = 0;
            }
          }
          ByteBuffer kb = direct(keys);
          ByteBuffer vb = direct(values);
          for (float[] m : new float[][] {null, mask}) {
            float[] got =
                CachedAttention.decode(qkv, rows, heads, kvHeads, hd, kb, vb, cap, pos, m);
            double[] want = naive(qkv, rows, heads, kvHeads, hd, keys, values, cap, pos, m);
            assertThat(got).hasSize(want.length);
            for (int i = 0; i < got.length; i++) {
              assertThat((double) got[i])
                  .as("%s rows %d pos %d element %d", java.util.Arrays.toString(l), rows, pos, i)
                  .isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5));
            }
          }
          // the new keys/values went to slot pos, nothing else changed
          FloatBuffer kf = kb.order(ByteOrder.nativeOrder()).asFloatBuffer();
          FloatBuffer vf = vb.order(ByteOrder.nativeOrder()).asFloatBuffer();
          int cols = (heads + 2 * kvHeads) * hd;
          for (int r = 0; r < rows; r++) {
            for (int j = 0; j < kvHeads; j++) {
              for (int s = 0; s < cap; s++) {
                for (int i = 0; i < hd; i++) {
                  int at = ((r * kvHeads + j) * cap + s) * hd + i;
                  float k = s == pos ? qkv[r * cols + (heads + j) * hd + i] : keys[at];
                  float v = s == pos ? qkv[r * cols + (heads + kvHeads + j) * hd + i] : values[at];
                  assertThat(kf.get(at)).isEqualTo(k);
                  assertThat(vf.get(at)).isEqualTo(v);
                }
              }
            }
          }
        }
      }
    }
  }

  @Test
  void rejectsSizesThatDoNotFit() {
    ByteBuffer cache = direct(new float[2 * 4 * 8]); // [1, 2, 4, 8]
    assertThatThrownBy(
            () -> CachedAttention.decode(new float[32], 1, 2, 2, 8, cache, cache, 4, 4, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slot 4 of 4");
    assertThatThrownBy(
            () -> CachedAttention.decode(new float[32], 1, 3, 2, 8, cache, cache, 4, 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 heads, 2 kv heads");
    assertThatThrownBy(
            () ->
                CachedAttention.decode(new float[48], 1, 2, 2, 8, cache, cache, 4, 1, new float[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mask of 3 values");
    assertThatThrownBy(
            () ->
                CachedAttention.decode(
                    new float[48], 1, 2, 2, 8, ByteBuffer.allocate(256), cache, 4, 1, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
