/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The server side of secure adaptive k-means (federated k-means with secure aggregation): the
 * server holds only public centres and securely aggregated statistics; each client computes its
 * distances and nearest centre locally ({@link ClusterClient}).
 *
 * <p>One Lloyd iteration is two secure sums: first the one-hot counts; only if every cluster has at
 * least {@code minClusterSize} members are the one-hot-masked vector sums requested (so the server
 * never learns a sum of fewer than that many vectors), and the new centres are {@code sum / count}.
 * Vectors are unit-norm, so the within-cluster sum of squares follows from the aggregates alone:
 * {@code W = n - sum_c ||S_c||^2 / n_c}.
 *
 * <p>Initialization uses only public data: {@code k = 1} gives the mean {@code mu} of all vectors
 * and {@code W(1)}; restart {@code j} of {@code k} draws centres {@code mu + s g} with {@code g}
 * standard normal from {@code (seed, k, j)} and {@code s = sqrt(W(1) / (n r))} the average spread
 * per coordinate. The number of clusters is chosen by {@link AdaptiveClusteringConfig}'s criterion.
 */
public final class SecureKMeans {
  private final AdaptiveClusteringConfig config;

  public SecureKMeans(AdaptiveClusteringConfig config) {
    this.config = config;
  }

  /**
   * One k-means fit.
   *
   * @param k number of clusters
   * @param centres final centres {@code [k][r]}
   * @param counts members per cluster
   * @param withinSumOfSquares W
   * @param iterations Lloyd iterations run
   */
  public record Fit(
      int k, double[][] centres, long[] counts, double withinSumOfSquares, int iterations) {}

  /**
   * The adaptive result.
   *
   * @param chosen the fit with the chosen k
   * @param perK the best feasible fit of every k tried (index k - 1), null where none was feasible
   * @param secureSums number of secure sums run
   */
  public record Result(Fit chosen, List<Fit> perK, int secureSums) {}

  /** Runs the adaptive search over {@code aggregator}'s clients, whose vectors have length r. */
  public Result fit(SecureAggregator aggregator, int dim) {
    int n = aggregator.clients();
    int[] sums = {0};
    Fit one = lloyd(aggregator, new double[][] {new double[dim]}, n, sums);
    if (one == null) {
      throw new IllegalStateException(
          n + " clients are fewer than minClusterSize " + config.minClusterSize());
    }
    double[] mu = one.centres()[0];
    double spread = Math.sqrt(Math.max(one.withinSumOfSquares(), 0) / ((double) n * dim));
    List<Fit> perK = new ArrayList<>();
    perK.add(one);
    Fit chosen = one;
    for (int k = 2; k <= config.maxK() && (long) k * config.minClusterSize() <= n; k++) {
      Fit best = null;
      for (int j = 0; j < config.restarts(); j++) {
        double[][] init = initialCentres(mu, spread, k, j);
        Fit f = lloyd(aggregator, init, n, sums);
        if (f != null && (best == null || f.withinSumOfSquares() < best.withinSumOfSquares())) {
          best = f;
        }
      }
      perK.add(best);
      Fit previous = perK.get(k - 2);
      if (best != null
          && previous != null
          && best.withinSumOfSquares() <= (1 - config.minGain()) * previous.withinSumOfSquares()) {
        chosen = best;
      }
    }
    return new Result(chosen, perK, sums[0]);
  }

  /** Seeded initial centres {@code mu + spread * g} of restart {@code j} of {@code k}. */
  public double[][] initialCentres(double[] mu, double spread, int k, int j) {
    SplittableRandom random = new SplittableRandom(config.seed() * 1_000_003L + k * 1_009L + j);
    double[][] c = new double[k][mu.length];
    for (int a = 0; a < k; a++) {
      for (int i = 0; i < mu.length; i++) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        c[a][i] = mu[i] + spread * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      }
    }
    return c;
  }

  /**
   * Secure Lloyd iterations from the public centres {@code init} (until the centres repeat or
   * {@code maxIterations}); null if some cluster falls below {@code minClusterSize}.
   */
  public Fit lloyd(SecureAggregator aggregator, double[][] init) {
    return lloyd(aggregator, init, aggregator.clients(), new int[1]);
  }

  private Fit lloyd(SecureAggregator agg, double[][] init, int n, int[] sums) {
    double[][] centres = init;
    int k = init.length;
    int dim = init[0].length;
    long[] counts = new long[k];
    double[] s = null;
    int it = 0;
    while (it < config.maxIterations()) {
      it++;
      double[] c = agg.aggregate(new ClusterQuery(ClusterQuery.Kind.COUNTS, centres));
      sums[0]++;
      for (int a = 0; a < k; a++) {
        counts[a] = Math.round(c[a]);
        if (counts[a] < config.minClusterSize()) {
          return null; // the sums of this assignment are never requested
        }
      }
      s = agg.aggregate(new ClusterQuery(ClusterQuery.Kind.SUMS, centres));
      sums[0]++;
      double[][] next = new double[k][dim];
      for (int a = 0; a < k; a++) {
        for (int i = 0; i < dim; i++) {
          next[a][i] = s[a * dim + i] / counts[a];
        }
      }
      boolean moved = !Arrays.deepEquals(next, centres);
      centres = next;
      if (!moved) {
        break; // same assignment as the previous iteration: converged
      }
    }
    return new Fit(k, centres, counts, withinSumOfSquares(s, counts, n, dim), it);
  }

  /** {@code W = n - sum_c ||S_c||^2 / n_c} for unit vectors. */
  static double withinSumOfSquares(double[] s, long[] counts, int n, int dim) {
    double w = n;
    for (int a = 0; a < counts.length; a++) {
      double sq = 0;
      for (int i = 0; i < dim; i++) {
        sq += s[a * dim + i] * s[a * dim + i];
      }
      w -= sq / counts[a];
    }
    return w;
  }
}
