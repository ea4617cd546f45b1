/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import io.persona4j.experiments.common.PreparedData;
import io.persona4j.experiments.fellrec.ClientSplit;
import io.persona4j.rec.data.ClientPartition;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.SeqExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Users clustered into behaviour groups by their genre profile (the genre counts of the items in
 * their training sequence, scaled to unit length, K-means as {@link ClientSplit#partition}), with
 * the check that the groups' next-item distributions differ: per group, the genre distribution of
 * its users' training targets (each target's genres counted equally, normalized), its total
 * variation (TV) distance to the pooled distribution of the other groups, and the same distance for
 * groups of the same sizes drawn at random ({@link #PERMUTATIONS} times): the groups carry
 * behaviour when their TV lies well above the random groups'. Only training data is read.
 *
 * @param count number of groups
 * @param groupOfUser per dense user index its group, -1 for users not kept
 * @param sizes users per group
 * @param genres the genres, sorted
 * @param nextGenres per group the genre distribution of its users' training targets
 * @param tv per group the TV distance of {@code nextGenres} to the other groups' pooled one
 * @param randomTv the same, mean over groups and {@link #PERMUTATIONS} random regroupings
 * @param randomTvMax the largest per-group TV of any random regrouping
 */
public record BehaviourGroups(
    int count,
    int[] groupOfUser,
    int[] sizes,
    List<String> genres,
    double[][] nextGenres,
    double[] tv,
    double randomTv,
    double randomTvMax) {
  /** Random regroupings of the divergence check. */
  public static final int PERMUTATIONS = 50;

  /** Clusters {@code data}'s kept users into {@code count} groups (seeded). */
  public static BehaviourGroups byGenreProfile(PreparedData data, int count, long seed) {
    InteractionDataset ds = data.dataset();
    TreeSet<String> all = new TreeSet<>();
    for (int i = 1; i <= ds.numItems(); i++) {
      all.addAll(ds.genres(i));
    }
    List<String> genres = List.copyOf(all);
    if (genres.isEmpty()) {
      throw new IllegalArgumentException(
          "the data set has no genres: behaviour groups need them (movies.csv's genres column)");
    }
    int[] users = data.users();
    int[][] seqs = data.trainSequences();
    float[][] profiles = new float[users.length][];
    for (int u = 0; u < users.length; u++) {
      float[] p = new float[genres.size()];
      for (int item : seqs[u]) {
        for (String g : ds.genres(item)) {
          p[genres.indexOf(g)]++;
        }
      }
      profiles[u] = p;
    }
    ClientPartition part = ClientSplit.partition(profiles, count, seed);
    int[] groupOfUser = new int[ds.numUsers()];
    Arrays.fill(groupOfUser, -1);
    for (int u = 0; u < users.length; u++) {
      groupOfUser[users[u]] = part.client(u);
    }
    // Per kept user, the genre histogram of the training targets.
    double[][] targetGenres = new double[ds.numUsers()][];
    for (SeqExample e : data.trainAll()) {
      double[] h = targetGenres[e.user()];
      if (h == null) {
        h = targetGenres[e.user()] = new double[genres.size()];
      }
      List<String> gs = ds.genres(e.target());
      for (String g : gs) {
        h[genres.indexOf(g)] += 1.0 / gs.size();
      }
    }
    int[] labels = new int[users.length];
    for (int u = 0; u < users.length; u++) {
      labels[u] = part.client(u);
    }
    double[][] next = distributions(labels, count, users, targetGenres, genres.size());
    double[] tv = tvToRest(labels, count, users, targetGenres, genres.size());
    SplittableRandom r = new SplittableRandom(seed + 1);
    double sum = 0;
    double max = 0;
    int[] shuffled = labels.clone();
    for (int p = 0; p < PERMUTATIONS; p++) {
      for (int i = shuffled.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = t;
      }
      for (double d : tvToRest(shuffled, count, users, targetGenres, genres.size())) {
        sum += d;
        max = Math.max(max, d);
      }
    }
    return new BehaviourGroups(
        count, groupOfUser, part.sizes(), genres, next, tv, sum / (PERMUTATIONS * count), max);
  }

  private static double[][] distributions(
      int[] labels, int count, int[] users, double[][] targetGenres, int dims) {
    double[][] d = new double[count][dims];
    for (int u = 0; u < users.length; u++) {
      double[] h = targetGenres[users[u]];
      if (h != null) {
        for (int j = 0; j < dims; j++) {
          d[labels[u]][j] += h[j];
        }
      }
    }
    for (double[] row : d) {
      normalize(row);
    }
    return d;
  }

  private static double[] tvToRest(
      int[] labels, int count, int[] users, double[][] targetGenres, int dims) {
    double[][] sums = new double[count][dims];
    double[] total = new double[dims];
    for (int u = 0; u < users.length; u++) {
      double[] h = targetGenres[users[u]];
      if (h != null) {
        for (int j = 0; j < dims; j++) {
          sums[labels[u]][j] += h[j];
          total[j] += h[j];
        }
      }
    }
    double[] tv = new double[count];
    for (int g = 0; g < count; g++) {
      double[] in = sums[g].clone();
      double[] rest = new double[dims];
      for (int j = 0; j < dims; j++) {
        rest[j] = total[j] - sums[g][j];
      }
      normalize(in);
      normalize(rest);
      tv[g] = tv(in, rest);
    }
    return tv;
  }

  /** Total variation distance: half the L1 distance of two distributions. */
  static double tv(double[] p, double[] q) {
    double s = 0;
    for (int j = 0; j < p.length; j++) {
      s += Math.abs(p[j] - q[j]);
    }
    return s / 2;
  }

  private static void normalize(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    if (s > 0) {
      for (int j = 0; j < x.length; j++) {
        x[j] /= s;
      }
    }
  }

  /** The group of each sample's user. */
  public int[] groupsOf(List<io.persona4j.rec.llara.RecSample> samples) {
    int[] g = new int[samples.size()];
    for (int i = 0; i < g.length; i++) {
      g[i] = groupOfUser[samples.get(i).user()];
    }
    return g;
  }

  /** Whether every group's TV exceeds the largest TV of any random regrouping. */
  public boolean differ() {
    return Arrays.stream(tv).min().orElse(0) > randomTvMax;
  }

  /** The {@code n} genres of highest share in group {@code g}'s next items, with their shares. */
  public String topGenres(int g, int n) {
    List<Integer> idx = new ArrayList<>();
    for (int j = 0; j < genres.size(); j++) {
      idx.add(j);
    }
    idx.sort((a, b) -> Double.compare(nextGenres[g][b], nextGenres[g][a]));
    List<String> out = new ArrayList<>();
    for (int k = 0; k < Math.min(n, idx.size()); k++) {
      out.add(
          String.format(Locale.ROOT, "%s %.2f", genres.get(idx.get(k)), nextGenres[g][idx.get(k)]));
    }
    return String.join(", ", out);
  }

  /** The divergence check, one line per group and a verdict. */
  public List<String> checkLines() {
    List<String> lines = new ArrayList<>();
    for (int g = 0; g < count; g++) {
      lines.add(
          String.format(
              Locale.ROOT,
              "group %d: %d users; next items' genres: %s; TV to the other groups %.3f",
              g,
              sizes[g],
              topGenres(g, 3),
              tv[g]));
    }
    lines.add(
        String.format(
            Locale.ROOT,
            "random groups of the same sizes (%d draws): TV mean %.3f, max %.3f -> the groups'"
                + " next-item distributions %s",
            PERMUTATIONS,
            randomTv,
            randomTvMax,
            differ()
                ? "differ (every group's TV above the random maximum)"
                : "do NOT clearly differ"));
    return lines;
  }
}
