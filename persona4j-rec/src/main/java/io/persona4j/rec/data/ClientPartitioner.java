/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** Ways to split users into federated clients; all seeded and deterministic. */
public final class ClientPartitioner {
  private ClientPartitioner() {}

  /** Label of users whose items have no genre at all. */
  public static final String NO_GENRE = "(none)";

  /** One client per user: user {@code u} is client {@code u}. */
  public static ClientPartition perUser(int numUsers) {
    if (numUsers < 1) {
      throw new IllegalArgumentException("numUsers must be >= 1, got " + numUsers);
    }
    int[] a = new int[numUsers];
    for (int u = 0; u < numUsers; u++) {
      a[u] = u;
    }
    return new ClientPartition(numUsers, a);
  }

  /**
   * {@code k} clients by K-means on user embeddings ({@code userEmbeddings[u]} for dense user
   * {@code u}), see {@link KMeans}: no client is empty.
   */
  public static ClientPartition kMeans(float[][] userEmbeddings, int k, long seed) {
    return new ClientPartition(k, KMeans.fit(userEmbeddings, k, seed).assignments());
  }

  /**
   * Label-skewed partition (Hsu et al., 2019): for each label in turn, its users (in a seeded
   * random order) are split over the {@code numClients} clients in contiguous runs whose sizes
   * follow proportions drawn from a symmetric Dirichlet({@code alpha}); run boundaries are the
   * rounded cumulative proportions. Small {@code alpha} gives clients dominated by few labels;
   * large {@code alpha} approaches a uniform split. Clients can be empty.
   */
  public static ClientPartition dirichlet(
      UserLabels labels, int numClients, double alpha, long seed) {
    if (numClients < 1) {
      throw new IllegalArgumentException("numClients must be >= 1, got " + numClients);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("alpha must be > 0 and finite, got " + alpha);
    }
    int[] lab = labels.labels();
    List<List<Integer>> byLabel = new ArrayList<>();
    for (int l = 0; l < labels.names().size(); l++) {
      byLabel.add(new ArrayList<>());
    }
    for (int u = 0; u < lab.length; u++) {
      byLabel.get(lab[u]).add(u);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    int[] client = new int[lab.length];
    for (List<Integer> users : byLabel) {
      int m = users.size();
      if (m == 0) {
        continue;
      }
      int[] order = users.stream().mapToInt(Integer::intValue).toArray();
      for (int i = m - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      double[] p = Dirichlet.symmetric(rng, alpha, numClients);
      double cumulative = 0;
      int from = 0;
      for (int c = 0; c < numClients; c++) {
        cumulative += p[c];
        int to = c == numClients - 1 ? m : Math.min(m, (int) Math.round(cumulative * m));
        for (int i = from; i < to; i++) {
          client[order[i]] = c;
        }
        from = Math.max(from, to);
      }
    }
    return new ClientPartition(numClients, client);
  }

  /** {@link #dirichlet(UserLabels, int, double, long)} with {@link #dominantGenres} labels. */
  public static ClientPartition dirichlet(
      InteractionDataset dataset, int numClients, double alpha, long seed) {
    return dirichlet(dominantGenres(dataset), numClients, alpha, seed);
  }

  /**
   * Each user's most frequent genre over all of the user's items (an item with several genres
   * counts for each); ties go to the alphabetically first genre; users whose items have no genre
   * get {@value #NO_GENRE}. Label names are sorted.
   */
  public static UserLabels dominantGenres(InteractionDataset dataset) {
    String[] dominant = new String[dataset.numUsers()];
    Map<String, Integer> counts = new HashMap<>();
    for (int u = 0; u < dataset.numUsers(); u++) {
      counts.clear();
      for (int item : dataset.sequence(u)) {
        for (String g : dataset.genres(item)) {
          counts.merge(g, 1, Integer::sum);
        }
      }
      String best = NO_GENRE;
      int bestCount = 0;
      for (Map.Entry<String, Integer> e : counts.entrySet()) {
        int c = e.getValue();
        if (c > bestCount || (c == bestCount && e.getKey().compareTo(best) < 0)) {
          best = e.getKey();
          bestCount = c;
        }
      }
      dominant[u] = best;
    }
    TreeMap<String, Integer> index = new TreeMap<>();
    for (String d : dominant) {
      index.put(d, 0);
    }
    List<String> names = new ArrayList<>(index.keySet());
    for (int i = 0; i < names.size(); i++) {
      index.put(names.get(i), i);
    }
    int[] labels = new int[dominant.length];
    for (int u = 0; u < dominant.length; u++) {
      labels[u] = index.get(dominant[u]);
    }
    return new UserLabels(labels, names);
  }
}
