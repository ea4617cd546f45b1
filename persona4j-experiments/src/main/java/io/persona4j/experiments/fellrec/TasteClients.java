/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.experiments.common.PreparedData;
import io.persona4j.rec.data.ClientPartition;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.KMeans;
import io.persona4j.rec.llara.LlaraPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Clients whose tastes differ: the kept users grouped by K-means on their genre profiles (the share
 * of each genre among the genres of the user's training items, validation and test items not used;
 * raw shares: standardizing each genre made K-means split off clusters of 3-7 users with rare
 * genres on MovieLens), optionally with one extra client of a seeded random sample of users whose
 * training data is corrupted (see {@link ClientSplit#clients(PreparedData, ClientPartition,
 * LlaraPrompt, int, int, long)}).
 *
 * <p>{@link #check} measures how different the groups really are: the total variation distance
 * between each client's distribution of next-item genres (the genres of its users' validation and
 * test items, which the grouping did not see) and that of all other users, against the same
 * distance for random groups of the same sizes.
 */
public final class TasteClients {
  private TasteClients() {}

  /**
   * The grouping.
   *
   * @param partition over {@code data.users()} indices; clients {@code 0..groups-1} are the taste
   *     groups, client {@code groups} (if {@code noisyClient >= 0}) the noisy one
   * @param noisyClient the noisy client's index, -1 for none
   * @param genres the genre names of the profiles, sorted
   */
  public record Grouping(ClientPartition partition, int noisyClient, List<String> genres) {}

  /**
   * The divergence check.
   *
   * @param distance per client, TV distance of its next-item genre distribution to all others'
   * @param randomDistance the same for random groups of the same sizes (mean over draws)
   * @param topGenres per client, its three most frequent next-item genres with their shares
   */
  public record Check(double[] distance, double[] randomDistance, List<String> topGenres) {
    /** One line per client. */
    public String describe() {
      StringBuilder b = new StringBuilder();
      for (int c = 0; c < distance.length; c++) {
        b.append(
            String.format(
                Locale.ROOT,
                "%s: next-item genres %s; TV distance to the other users %.3f (random groups of"
                    + " the same size: %.3f)%n",
                ClientSplit.clientId(c),
                topGenres.get(c),
                distance[c],
                randomDistance[c]));
      }
      return b.toString();
    }
  }

  /**
   * Groups {@code data.users()} into {@code groups} taste clients by K-means (seeded) on genre
   * profiles, after moving {@code noisyUsers} randomly chosen users (seeded) into an extra client.
   */
  public static Grouping group(PreparedData data, int groups, int noisyUsers, long seed) {
    int n = data.users().length;
    if (noisyUsers < 0 || noisyUsers > n - groups) {
      throw new IllegalArgumentException(
          "noisyUsers must be in [0, " + (n - groups) + "] (users - groups), got " + noisyUsers);
    }
    InteractionDataset ds = data.dataset();
    List<String> genres = genreNames(ds);
    int[][] seqs = data.trainSequences();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] noisy = new boolean[n];
    for (int i = 0; i < noisyUsers; i++) {
      noisy[order[i]] = true;
    }
    int[] rest = new int[n - noisyUsers];
    float[][] profiles = new float[rest.length][];
    for (int i = 0, k = 0; i < n; i++) {
      if (!noisy[i]) {
        rest[k] = i;
        profiles[k++] = profile(ds, seqs[i], genres);
      }
    }
    int[] assign = KMeans.fit(profiles, groups, seed).assignments();
    int clients = groups + (noisyUsers > 0 ? 1 : 0);
    int[] clientOf = new int[n];
    Arrays.fill(clientOf, groups);
    for (int k = 0; k < rest.length; k++) {
      clientOf[rest[k]] = assign[k];
    }
    return new Grouping(
        new ClientPartition(clients, clientOf), noisyUsers > 0 ? groups : -1, genres);
  }

  /** The sorted genre names of the catalog. */
  static List<String> genreNames(InteractionDataset ds) {
    TreeSet<String> names = new TreeSet<>();
    for (int i = 1; i <= ds.numItems(); i++) {
      names.addAll(ds.genres(i));
    }
    return new ArrayList<>(names);
  }

  /** Share of each genre among the genres of {@code items} (each item's genres count once each). */
  static float[] profile(InteractionDataset ds, int[] items, List<String> genres) {
    float[] p = new float[genres.size()];
    double total = 0;
    for (int item : items) {
      for (String g : ds.genres(item)) {
        int at = Collections.binarySearch(genres, g);
        if (at >= 0) {
          p[at]++;
          total++;
        }
      }
    }
    for (int d = 0; d < p.length && total > 0; d++) {
      p[d] /= (float) total;
    }
    return p;
  }

  /**
   * The divergence check of {@code partition}, against {@code draws} random partitions with the
   * same client sizes (seeded).
   */
  public static Check check(PreparedData data, ClientPartition partition, int draws, long seed) {
    InteractionDataset ds = data.dataset();
    List<String> genres = genreNames(ds);
    int n = data.users().length;
    double[][] next = new double[n][];
    for (int i = 0; i < n; i++) {
      int[] s = ds.sequence(data.users()[i]);
      next[i] = counts(ds, new int[] {s[s.length - 2], s[s.length - 1]}, genres);
    }
    int k = partition.numClients();
    double[] distance = distances(next, partition.clientOfUser(), k);
    double[] random = new double[k];
    SplittableRandom r = new SplittableRandom(seed);
    int[] shuffled = partition.clientOfUser();
    for (int d = 0; d < draws; d++) {
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = t;
      }
      double[] dist = distances(next, shuffled, k);
      for (int c = 0; c < k; c++) {
        random[c] += dist[c] / draws;
      }
    }
    List<String> top = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      double[] mine = sum(next, partition.clientOfUser(), c, true);
      double total = Arrays.stream(mine).sum();
      Integer[] idx = new Integer[mine.length];
      for (int g = 0; g < idx.length; g++) {
        idx[g] = g;
      }
      Arrays.sort(idx, (a, b) -> Double.compare(mine[b], mine[a]));
      List<String> t = new ArrayList<>();
      for (int g = 0; g < Math.min(3, idx.length); g++) {
        t.add(
            String.format(
                Locale.ROOT, "%s %.0f%%", genres.get(idx[g]), 100 * mine[idx[g]] / total));
      }
      top.add(String.join(", ", t));
    }
    return new Check(distance, random, top);
  }

  private static double[] counts(InteractionDataset ds, int[] items, List<String> genres) {
    float[] p = new float[genres.size()];
    for (int item : items) {
      for (String g : ds.genres(item)) {
        int at = Collections.binarySearch(genres, g);
        if (at >= 0) {
          p[at]++;
        }
      }
    }
    double[] out = new double[p.length];
    for (int d = 0; d < p.length; d++) {
      out[d] = p[d];
    }
    return out;
  }

  private static double[] sum(double[][] rows, int[] clientOf, int c, boolean inside) {
    double[] s = new double[rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      if ((clientOf[i] == c) == inside) {
        for (int d = 0; d < s.length; d++) {
          s[d] += rows[i][d];
        }
      }
    }
    return s;
  }

  private static double[] distances(double[][] rows, int[] clientOf, int k) {
    double[] out = new double[k];
    for (int c = 0; c < k; c++) {
      out[c] = tv(sum(rows, clientOf, c, true), sum(rows, clientOf, c, false));
    }
    return out;
  }

  /** Total variation distance of two count vectors, each normalized to sum 1. */
  static double tv(double[] a, double[] b) {
    double sa = Arrays.stream(a).sum();
    double sb = Arrays.stream(b).sum();
    if (sa == 0 || sb == 0) {
      return 0;
    }
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d += Math.abs(a[i] / sa - b[i] / sb);
    }
    return d / 2;
  }
}
