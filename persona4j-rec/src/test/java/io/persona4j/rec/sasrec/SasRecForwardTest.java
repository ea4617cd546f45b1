/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SasRecForwardTest {
  private static final int[][] HISTORIES = {
    {3, 7, 1, 19, 4, 4, 12, 5, 9}, // longer than maxLen 6: keeps the last 6
    {2},
    {20, 11, 6},
    {8, 13, 1, 2, 17, 3},
  };

  /** Hidden states [B][W][d] of the padded batch. */
  private static float[][][] hidden(SasRecModel model, int[][] histories) {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray h = model.hiddenStates(histories, m);
      long[] s = h.getShape().getShape();
      float[] flat = h.toFloatArray();
      float[][][] out = new float[(int) s[0]][(int) s[1]][(int) s[2]];
      for (int b = 0; b < s[0]; b++) {
        for (int t = 0; t < s[1]; t++) {
          for (int j = 0; j < s[2]; j++) {
            out[b][t][j] = flat[(int) ((b * s[1] + t) * s[2] + j)];
          }
        }
      }
      return out;
    }
  }

  @ParameterizedTest(name = "blocks={0} heads={1} normFirst={2}")
  @CsvSource({"1,1,false", "2,1,false", "2,2,false", "1,2,true", "2,2,true", "2,1,true"})
  void matchesNaiveDoublePrecisionForward(int blocks, int heads, boolean normFirst) {
    SasRecConfig config = TestModels.tiny(blocks, heads, normFirst);
    Map<String, float[]> weights = TestModels.randomWeights(config, 7 + blocks * 10 + heads);
    NaiveSasRec naive = new NaiveSasRec(config, weights);
    try (SasRecModel model = SasRecModel.of(config, weights)) {
      float[][][] h = hidden(model, HISTORIES);
      int width = h[0].length;
      assertThat(width).isEqualTo(6);
      double maxAbs = 0;
      for (int b = 0; b < HISTORIES.length; b++) {
        double[][] expected = naive.forward(HISTORIES[b]);
        int n = expected.length;
        for (int t = 0; t < n; t++) {
          float[] got = h[b][width - n + t];
          for (int j = 0; j < got.length; j++) {
            double e = expected[t][j];
            maxAbs = Math.max(maxAbs, Math.abs(e));
            assertThat((double) got[j])
                .as("history %d position %d dim %d", b, t, j)
                .isCloseTo(e, org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(e))));
          }
        }
      }
      assertThat(maxAbs).as("outputs are not trivially small").isGreaterThan(0.5);
      float[][] reps = model.sequenceRepresentation(HISTORIES);
      for (int b = 0; b < HISTORIES.length; b++) {
        double[][] expected = naive.forward(HISTORIES[b]);
        double[] last = expected[expected.length - 1];
        for (int j = 0; j < last.length; j++) {
          assertThat((double) reps[b][j])
              .isCloseTo(
                  last[j],
                  org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(last[j]))));
        }
      }
    }
  }

  @Test
  void laterItemsDoNotChangeEarlierPositions() {
    SasRecConfig config = TestModels.tiny(2, 2, false);
    try (SasRecModel model = TestModels.randomModel(config, 11)) {
      int[] a = {4, 9, 2, 15, 7, 1};
      for (int changed = 1; changed < a.length; changed++) {
        int[] b = a.clone();
        b[changed] = 18;
        float[][][] h = hidden(model, new int[][] {a, b});
        for (int t = 0; t < changed; t++) {
          assertThat(h[1][t]).as("position %d, item %d changed", t, changed).isEqualTo(h[0][t]);
        }
        for (int t = changed; t < a.length; t++) {
          assertThat(maxDiff(h[0][t], h[1][t]))
              .as("position %d sees item %d", t, changed)
              .isGreaterThan(1e-4);
        }
      }
    }
  }

  @Test
  void lastRepresentationDoesNotDependOnPaddingOrBatch() {
    SasRecConfig config = TestModels.tiny(2, 2, false);
    try (SasRecModel model = TestModels.randomModel(config, 12)) {
      int[] shortOne = {5, 3};
      float[] alone = model.sequenceRepresentation(new int[][] {shortOne})[0];
      float[][] batch =
          model.sequenceRepresentation(new int[][] {{1, 2, 3, 4, 5, 6, 7}, shortOne, {9, 9, 9}});
      assertThat(maxDiff(alone, batch[1])).isLessThan(1e-6);
      // a history longer than maxLen is its last maxLen items
      int[] longOne = {17, 16, 15, 1, 2, 3, 4, 5, 6};
      float[] truncated = model.sequenceRepresentation(new int[][] {{1, 2, 3, 4, 5, 6}})[0];
      assertThat(maxDiff(model.sequenceRepresentation(new int[][] {longOne})[0], truncated))
          .isLessThan(1e-6);
      // and padding really is involved: the short history alone has width 2, in the batch 6
      assertThat(maxDiff(alone, model.sequenceRepresentation(new int[][] {{3}})[0]))
          .isGreaterThan(1e-3);
    }
  }

  @Test
  void scoresAreDotProductsWithItemEmbeddingsAndPaddingNeverRanks() {
    SasRecConfig config = TestModels.tiny(1, 1, false);
    try (SasRecModel model = TestModels.randomModel(config, 13)) {
      float[][] reps = model.sequenceRepresentation(HISTORIES);
      float[][] emb = model.itemEmbeddingMatrix();
      assertThat(emb).hasDimensions(21, 8);
      assertThat(emb[0]).containsOnly(0f);
      float[][] scores = model.scoreAll(HISTORIES);
      assertThat(scores[0]).hasSize(21);
      for (int b = 0; b < HISTORIES.length; b++) {
        assertThat(scores[b][0]).isEqualTo(Float.NEGATIVE_INFINITY);
        for (int i = 1; i <= 20; i++) {
          double dot = 0;
          for (int j = 0; j < 8; j++) {
            dot += (double) reps[b][j] * emb[i][j];
          }
          assertThat((double) scores[b][i])
              .isCloseTo(dot, org.assertj.core.data.Offset.offset(1e-5));
        }
      }
      try (NDManager m = TensorRuntime.newManager()) {
        assertThat(model.itemEmbeddings(m).getShape().getShape()).containsExactly(21, 8);
        assertThat(model.itemEmbeddings(m).toFloatArray()).containsExactly(flatten(emb));
        assertThat(model.sequenceRepresentation(HISTORIES, m).toFloatArray())
            .containsExactly(flatten(reps));
      }
      int[][] top = model.topK(HISTORIES, 5, true);
      for (int b = 0; b < HISTORIES.length; b++) {
        int[] h = HISTORIES[b];
        Integer[] expected = new Integer[20];
        for (int i = 0; i < 20; i++) {
          expected[i] = i + 1;
        }
        float[] s = scores[b];
        Arrays.sort(expected, (x, y) -> Float.compare(s[y], s[x]));
        int[] filtered =
            Arrays.stream(expected)
                .mapToInt(Integer::intValue)
                .filter(i -> Arrays.stream(h).noneMatch(x -> x == i))
                .limit(5)
                .toArray();
        assertThat(top[b]).containsExactly(filtered);
      }
    }
  }

  @Test
  void rejectsBadHistories() {
    try (SasRecModel model = TestModels.randomModel(TestModels.tiny(1, 1, false), 1)) {
      assertThatThrownBy(() -> model.scoreAll(new int[][] {{1, 2}, {}}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("history 1 is empty");
      assertThatThrownBy(() -> model.sequenceRepresentation(new int[][] {{1, 21}}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("history 0 position 1: item 21 is outside 1..20");
      assertThatThrownBy(() -> model.scoreAll(new int[][] {{0, 3}}))
          .hasMessageContaining("history 0 position 0: item 0");
    }
  }

  static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  private static float[] flatten(float[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
    }
    return out;
  }
}
