/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.encoding.FixedPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Secure adaptive k-means against plain k-means, the server's view, and planted clusters. */
class SecureKMeansTest {
  static final FixedPoint FP = new FixedPoint(1.0, 1 << 20, 1L << 62);

  /** {@code perCluster} clients around each of {@code clusters} random directions in R^d. */
  static List<float[]> planted(int clusters, int perCluster, int d, double noise, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<float[]> out = new ArrayList<>();
    for (int c = 0; c < clusters; c++) {
      float[] centre = new float[d];
      for (int i = 0; i < d; i++) {
        centre[i] = (float) gaussian(r);
      }
      for (int j = 0; j < perCluster; j++) {
        float[] x = new float[d];
        for (int i = 0; i < d; i++) {
          x[i] = (float) (centre[i] + noise * gaussian(r));
        }
        out.add(x);
      }
    }
    return out;
  }

  static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  static List<ClusterClient> clients(List<float[]> xs, RandomProjection p) {
    return xs.stream().map(x -> new ClusterClient(p.projectNormalized(x))).toList();
  }

  static SecAggAggregator secure(List<ClusterClient> cs) {
    return new SecAggAggregator(cs, FP, i -> RandomSource.deterministicForTesting(77 + i));
  }

  /** Plain sums of contributions: the reference without any protection. */
  record Plain(List<ClusterClient> cs) implements SecureAggregator {
    @Override
    public int clients() {
      return cs.size();
    }

    @Override
    public double[] aggregate(ClusterQuery q) {
      double[] s = new double[q.contributionLength()];
      for (ClusterClient c : cs) {
        float[] x = c.contribution(q);
        for (int i = 0; i < s.length; i++) {
          s[i] += x[i];
        }
      }
      return s;
    }
  }

  @Test
  void secureLloydEqualsNaivePlainKMeansUpToFixedPoint() {
    RandomProjection p = new RandomProjection(40, 6, 11);
    List<float[]> xs = planted(3, 5, 40, 0.6, 3);
    double[][] z = xs.stream().map(p::projectNormalized).toArray(double[][]::new);
    List<ClusterClient> cs = clients(xs, p);
    double[][] init = {z[0].clone(), z[7].clone(), z[12].clone()};
    for (double[] c : init) {
      c[0] += 0.05; // not exactly a data point
    }
    SecureKMeans km = new SecureKMeans(new AdaptiveClusteringConfig(4, 2, 0.3, 2, 20, 1));
    SecureKMeans.Fit fit = km.lloyd(secure(cs), init);

    // Independent naive Lloyd on the plain doubles.
    double[][] centres = init;
    int[] assign = new int[z.length];
    for (int it = 0; it < 20; it++) {
      for (int j = 0; j < z.length; j++) {
        int best = 0;
        double bd = Double.MAX_VALUE;
        for (int c = 0; c < centres.length; c++) {
          double d = 0;
          for (int i = 0; i < 6; i++) {
            d += (z[j][i] - centres[c][i]) * (z[j][i] - centres[c][i]);
          }
          if (d < bd) {
            bd = d;
            best = c;
          }
        }
        assign[j] = best;
      }
      double[][] next = new double[3][6];
      long[] cnt = new long[3];
      for (int j = 0; j < z.length; j++) {
        cnt[assign[j]]++;
        for (int i = 0; i < 6; i++) {
          next[assign[j]][i] += z[j][i];
        }
      }
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < 6; i++) {
          next[c][i] /= cnt[c];
        }
      }
      centres = next;
    }
    double w = 0;
    long[] counts = new long[3];
    for (int j = 0; j < z.length; j++) {
      counts[assign[j]]++;
      for (int i = 0; i < 6; i++) {
        w += (z[j][i] - centres[assign[j]][i]) * (z[j][i] - centres[assign[j]][i]);
      }
    }
    assertThat(fit).isNotNull();
    assertThat(fit.counts()).containsExactly(counts);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 6; i++) {
        assertThat(fit.centres()[c][i]).isCloseTo(centres[c][i], within(2e-6));
      }
    }
    assertThat(fit.withinSumOfSquares()).isCloseTo(w, within(1e-5));
    for (int j = 0; j < z.length; j++) {
      assertThat(cs.get(j).nearest(fit.centres())).isEqualTo(assign[j]);
    }
  }

  @Test
  void serverSeesNoIndividualContribution() {
    RandomProjection p = new RandomProjection(30, 4, 5);
    List<ClusterClient> cs = clients(planted(2, 4, 30, 0.3, 9), p);
    SecAggAggregator agg = secure(cs);
    ClusterQuery q =
        new ClusterQuery(ClusterQuery.Kind.SUMS, new double[][] {{1, 0, 0, 0}, {0, 1, 0, 0}});
    double[] sum = agg.aggregate(q);
    double[] plain = new Plain(cs).aggregate(q);
    for (int i = 0; i < sum.length; i++) {
      assertThat(sum[i]).isCloseTo(plain[i], within(1e-5));
    }
    assertThat(agg.serverView()).hasSize(cs.size());
    int zeros = 0;
    int total = 0;
    for (int j = 0; j < cs.size(); j++) {
      long[] masked = agg.serverView().get(j);
      for (ClusterClient c : cs) {
        assertThat(masked).isNotEqualTo(FP.encode(c.contribution(q)));
      }
      for (long v : masked) {
        total++;
        if (v == 0) {
          zeros++;
        }
        // an encoded contribution of a unit vector has |value| <= 2^20 in centred form
        assertThat(Math.abs(FP.centered(v)) <= (1L << 20)).isFalse();
      }
    }
    // Half of each clear contribution is zeros; masked inputs have essentially none.
    assertThat(zeros).isLessThan(total / 10 + 1).isZero();
  }

  @Test
  void adaptiveKRecoversPlantedClusters() {
    for (int planted : new int[] {2, 3, 4}) {
      RandomProjection p = new RandomProjection(64, 8, 21);
      List<ClusterClient> cs = clients(planted(planted, 5, 64, 0.35, 100 + planted), p);
      SecureKMeans.Result r =
          new SecureKMeans(AdaptiveClusteringConfig.defaults(7)).fit(new Plain(cs), 8);
      assertThat(r.chosen().k()).as("planted %d", planted).isEqualTo(planted);
      long[] counts = r.chosen().counts().clone();
      assertThat(counts).containsOnly(5L);
      // every client of one planted group lands in one cluster
      for (int g = 0; g < planted; g++) {
        int first = cs.get(g * 5).nearest(r.chosen().centres());
        for (int j = 1; j < 5; j++) {
          assertThat(cs.get(g * 5 + j).nearest(r.chosen().centres())).isEqualTo(first);
        }
      }
    }
  }

  @Test
  void secureAdaptiveRunMakesThePlainChoice() {
    RandomProjection p = new RandomProjection(64, 8, 21);
    List<ClusterClient> cs = clients(planted(3, 5, 64, 0.35, 103), p);
    SecureKMeans km = new SecureKMeans(new AdaptiveClusteringConfig(4, 2, 0.35, 2, 10, 7));
    SecAggAggregator agg = secure(cs);
    SecureKMeans.Result secure = km.fit(agg, 8);
    SecureKMeans.Result plain = km.fit(new Plain(cs), 8);
    assertThat(secure.chosen().k()).isEqualTo(plain.chosen().k()).isEqualTo(3);
    assertThat(secure.chosen().counts()).containsExactly(plain.chosen().counts());
    assertThat(secure.secureSums()).isEqualTo(plain.secureSums()).isEqualTo(agg.rounds());
    assertThat(secure.chosen().withinSumOfSquares())
        .isCloseTo(plain.chosen().withinSumOfSquares(), within(1e-5));
  }

  @Test
  void homogeneousClientsStayInOneCluster() {
    RandomProjection p = new RandomProjection(64, 8, 21);
    List<ClusterClient> cs = clients(planted(1, 12, 64, 0.35, 5), p);
    SecureKMeans.Result r =
        new SecureKMeans(AdaptiveClusteringConfig.defaults(3)).fit(new Plain(cs), 8);
    assertThat(r.chosen().k()).isEqualTo(1);
    assertThat(r.chosen().counts()).containsExactly(12L);
  }

  @Test
  void projectionIsSharedBySeedAndNormalized() {
    float[] x = {1, 2, 3, 4, 5};
    assertThat(new RandomProjection(5, 3, 9).project(x))
        .containsExactly(new RandomProjection(5, 3, 9).project(x));
    assertThat(new RandomProjection(5, 3, 9).project(x))
        .isNotEqualTo(new RandomProjection(5, 3, 10).project(x));
    double[] z = new RandomProjection(5, 3, 9).projectNormalized(x);
    assertThat(z[0] * z[0] + z[1] * z[1] + z[2] * z[2]).isCloseTo(1.0, within(1e-12));
  }
}
