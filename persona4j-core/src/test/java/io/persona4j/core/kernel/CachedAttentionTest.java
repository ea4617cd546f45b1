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
 * (GQA) and multi-query layouts, head sizes with vector tails, an additive mask, spans from 1 slot
 * to the capacity, all rows writing at one slot (KvCache) or each at its own (the slot cache of
 * continuous batching), a cache holding more rows than the step uses; and the cache writes land
 * exactly at each row's slot, nothing else changed. On a JDK 21 runtime it is refused (documented),
 * which the tests check there.
 */
class CachedAttentionTest {
  /** The cache after the step's writes: row r's new keys (values) at slot positions[r]. */
  static float[] written(
      float[] cache,
      float[] qkv,
      int rows,
      int heads,
      int kvHeads,
      int hd,
      int cap,
      int[] pos,
      boolean values) {
    float[] c = cache.clone();
    int cols = (heads + 2 * kvHeads) * hd;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < kvHeads; j++) {
        for (int i = 0; i < hd; i++) {
          int from = r * cols + (heads + (values ? kvHeads : 0) + j) * hd + i;
          c[((r * kvHeads + j) * cap + pos[r]) * hd + i] = qkv[from];
        }
      }
    }
    return c;
  }

  /** softmax(q . K[0..span) + mask) . V[0..span) per query head, in double precision. */
  static double[] naive(
      float[] qkv,
      int rows,
      int heads,
      int kvHeads,
      int hd,
      float[] keys,
      float[] values,
      int cap,
      int span,
      float[] mask) {
    int cols = (heads + 2 * kvHeads) * hd;
    int g = heads / kvHeads;
    double[] out = new double[rows * heads * hd];
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < heads; h++) {
        int base = (r * kvHeads + h / g) * cap * hd;
        double[] e = new double[span];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < span; s++) {
          double dot = 0;
          for (int i = 0; i < hd; i++) {
            dot += (double) qkv[r * cols + h * hd + i] * keys[base + s * hd + i];
          }
          e[s] = dot + (mask == null ? 0 : mask[r * span + s]);
          max = Math.max(max, e[s]);
        }
        double sum = 0;
        for (int s = 0; s < span; s++) {
          e[s] = Math.exp(e[s] - max);
          sum += e[s];
        }
        for (int s = 0; s < span; s++) {
          for (int i = 0; i < hd; i++) {
            out[(r * heads + h) * hd + i] += e[s] / sum * values[base + s * hd + i];
          }
        }
      }
    }
    return out;
  }

  @Test
  void attentionEqualsNaiveLoopsAndWritesEachRowsSlot() {
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
                      new int[] {0},
                      1,
                      null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("JDK 22");
      return;
    }
    assertThat(Runtime.version().feature()).isGreaterThanOrEqualTo(22);
    int[][] layouts = {{4, 4, 8}, {6, 2, 5}, {4, 1, 64}, {3, 3, 19}}; // heads, kvHeads, headDim
    int cap = 7;
    for (int[] l : layouts) {
      int heads = l[0];
      int kvHeads = l[1];
      int hd = l[2];
      for (int rows = 1; rows <= PackedMatrix.MAX_DECODE_ROWS; rows += 3) {
        for (int span : new int[] {1, 4, cap}) {
          for (boolean shared : new boolean[] {true, false}) {
            // shared: every row writes at span - 1 (KvCache); else each its own slot (slot cache)
            int[] pos = new int[rows];
            for (int r = 0; r < rows; r++) {
              pos[r] = shared ? span - 1 : (span - 1 + 2 * r) % span;
            }
            int slots = rows + 1; // the cache may hold more rows than the step uses
            float[] keys = random(slots * kvHeads * cap * hd, 1 + span);
            float[] values = random(keys.length, 2 + span);
            float[] qkv = random(rows * (heads + 2 * kvHeads) * hd, 3 + rows);
            float[] mask = random(rows * span, 4);
            for (int r = 0; r < rows; r++) {
              for (int s = 0; s < span; s++) {
                if (s > pos[r] || (s == 0 && pos[r] > 0)) {
                  mask[r * span + s] = -1e9f; // not reached yet, or left padding
                }
              }
            }
            float[] wantKeys = written(keys, qkv, rows, heads, kvHeads, hd, cap, pos, false);
            float[] wantValues = written(values, qkv, rows, heads, kvHeads, hd, cap, pos, true);
            ByteBuffer kb = direct(keys);
            ByteBuffer vb = direct(values);
            for (float[] m : new float[][] {null, mask}) {
              float[] got =
                  CachedAttention.decode(
                      qkv, rows, heads, kvHeads, hd, kb, vb, cap, pos.clone(), span, m);
              double[] want =
                  naive(qkv, rows, heads, kvHeads, hd, wantKeys, wantValues, cap, span, m);
              assertThat(got).hasSize(want.length);
              for (int i = 0; i < got.length; i++) {
                assertThat((double) got[i])
                    .as(
                        "%s rows %d span %d shared %s element %d",
                        java.util.Arrays.toString(l), rows, span, shared, i)
                    .isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5));
              }
            }
            FloatBuffer kf = kb.order(ByteOrder.nativeOrder()).asFloatBuffer();
            FloatBuffer vf = vb.order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = 0; i < keys.length; i++) {
              assertThat(kf.get(i)).as("key %d", i).isEqualTo(wantKeys[i]);
              assertThat(vf.get(i)).as("value %d", i).isEqualTo(wantValues[i]);
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
            () ->
                CachedAttention.decode(
                    new float[48], 1, 2, 2, 8, cache, cache, 4, new int[] {4}, 4, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writing at slots [4], attending to 4 of 4");
    assertThatThrownBy(
            () ->
                CachedAttention.decode(
                    new float[56], 1, 3, 2, 8, cache, cache, 4, new int[] {0}, 1, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 heads, 2 kv heads");
    assertThatThrownBy(
            () ->
                CachedAttention.decode(
                    new float[48], 1, 2, 2, 8, cache, cache, 4, new int[] {1}, 2, new float[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mask of 3 values");
    assertThatThrownBy(
            () ->
                CachedAttention.decode(
                    new float[48],
                    1,
                    2,
                    2,
                    8,
                    ByteBuffer.allocate(256),
                    cache,
                    4,
                    new int[] {1},
                    2,
                    null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cache of 256 and 256 bytes");
  }
}
