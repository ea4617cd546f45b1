/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KMeansTest {
  /** {@code perBlob} points around each of {@code centers}, spread {@code sigma}. */
  static float[][] blobs(double[][] centers, int perBlob, double sigma, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int dim = centers[0].length;
    float[][] points = new float[centers.length * perBlob][dim];
    // Interleave blobs so that the point order does not reveal them.
    for (int i = 0; i < points.length; i++) {
      double[] c = centers[i % centers.length];
      for (int d = 0; d < dim; d++) {
        points[i][d] = (float) (c[d] + sigma * rng.nextGaussian());
      }
    }
    return points;
  }

  private static final double[][] CENTERS = {
    {0, 0, 0, 0}, {10, 0, 0, 0}, {0, 10, 0, 0}, {0, 0, 10, 10}, {-10, -10, 5, 0}
  };

  @Test
  void recoversWellSeparatedBlobs() {
    float[][] points = blobs(CENTERS, 40, 0.7, 1);
    for (long seed = 0; seed < 5; seed++) {
      KMeans.Result r = KMeans.fit(points, CENTERS.length, seed);
      assertThat(r.converged()).isTrue();
      // Same cluster <=> same blob: a bijection between clusters and blobs.
      Map<Integer, Integer> blobOfCluster = new HashMap<>();
      for (int i = 0; i < points.length; i++) {
        Integer previous = blobOfCluster.putIfAbsent(r.assignments()[i], i % CENTERS.length);
        assertThat(previous == null || previous == i % CENTERS.length).isTrue();
      }
      assertThat(blobOfCluster.values()).doesNotHaveDuplicates().hasSize(CENTERS.length);
      for (int c = 0; c < CENTERS.length; c++) {
        double[] truth = CENTERS[blobOfCluster.get(c)];
        for (int d = 0; d < truth.length; d++) {
          assertThat(Math.abs(r.centroids()[c][d] - truth[d])).isLessThan(0.4);
        }
      }
      // Inertia is about n * dim * sigma^2.
      assertThat(r.inertia()).isBetween(0.5 * 200 * 4 * 0.49, 1.5 * 200 * 4 * 0.49);
    }
  }

  @Test
  void deterministicForASeed() {
    float[][] points = blobs(CENTERS, 30, 4.0, 2); // overlapping: the answer depends on the seed
    KMeans.Result a = KMeans.fit(points, 7, 123);
    KMeans.Result b = KMeans.fit(points, 7, 123);
    assertThat(a.assignments()).isEqualTo(b.assignments());
    assertThat(a.inertia()).isEqualTo(b.inertia());
  }

  @Test
  void noEmptyClusterEvenWithDuplicatePoints() {
    float[][] same = new float[10][];
    for (int i = 0; i < 10; i++) {
      same[i] = new float[] {1, 2};
    }
    KMeans.Result r = KMeans.fit(same, 4, 0);
    assertThat(sizes(r.assignments(), 4)).doesNotContain(0);
    // Two distinct points, three clusters.
    float[][] two = {{0, 0}, {0, 0}, {0, 0}, {5, 5}, {5, 5}};
    assertThat(sizes(KMeans.fit(two, 3, 1).assignments(), 3)).doesNotContain(0);
    // k = n: one point per cluster.
    float[][] pts = blobs(CENTERS, 3, 1.0, 4);
    int[] a = KMeans.fit(pts, pts.length, 9).assignments();
    assertThat(Arrays.stream(a).distinct().count()).isEqualTo(pts.length);
  }

  @Test
  void invalidInput() {
    float[][] pts = {{0f}, {1f}};
    assertThatThrownBy(() -> KMeans.fit(pts, 3, 0)).hasMessageContaining("k must be in [1, 2]");
    assertThatThrownBy(() -> KMeans.fit(new float[][] {{0f}, {1f, 2f}}, 1, 0))
        .hasMessageContaining("points[1] has dimension 2, expected 1");
    assertThatThrownBy(() -> KMeans.fit(new float[][] {{Float.NaN}}, 1, 0))
        .hasMessageContaining("non-finite");
  }

  static int[] sizes(int[] assignments, int k) {
    int[] s = new int[k];
    for (int a : assignments) {
      s[a]++;
    }
    return s;
  }
}
