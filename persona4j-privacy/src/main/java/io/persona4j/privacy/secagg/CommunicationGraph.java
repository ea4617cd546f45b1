/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Who exchanges keys, masks and shares with whom. The complete graph is SecAgg (Bonawitz et al.
 * 2017); a sparse k-regular graph is SecAgg+ (Bell, Bonawitz, Gascón, Lepoint, Raykova, CCS 2020),
 * where each client masks with and shares its secrets among only its k neighbours, so client work
 * and messages grow with k instead of n. The sparse graph here is a Harary graph (a ring where each
 * client is joined to the k/2 nearest on each side) over a public random permutation of the
 * clients, as in Bell et al.; the permutation seed must be chosen after clients commit (e.g. by the
 * server at round start) and is public.
 */
public final class CommunicationGraph {
  private final int clients;
  private final List<SortedSet<Integer>> neighbors;
  private final boolean complete;

  private CommunicationGraph(int clients, List<SortedSet<Integer>> neighbors, boolean complete) {
    this.clients = clients;
    this.neighbors = neighbors;
    this.complete = complete;
  }

  /** Every client is every other client's neighbour (SecAgg). */
  public static CommunicationGraph complete(int clients) {
    if (clients < 2) {
      throw new IllegalArgumentException("clients must be >= 2, got " + clients);
    }
    List<SortedSet<Integer>> nb = new ArrayList<>();
    nb.add(Collections.emptySortedSet());
    for (int u = 1; u <= clients; u++) {
      SortedSet<Integer> s = new TreeSet<>();
      for (int v = 1; v <= clients; v++) {
        if (v != u) {
          s.add(v);
        }
      }
      nb.add(Collections.unmodifiableSortedSet(s));
    }
    return new CommunicationGraph(clients, List.copyOf(nb), true);
  }

  /**
   * A k-regular Harary graph over a permutation of 1..n drawn from {@code permutationSeed}.
   *
   * @param degree k: even, in [2, n - 1)
   */
  public static CommunicationGraph harary(int clients, int degree, long permutationSeed) {
    if (clients < 4) {
      throw new IllegalArgumentException("clients must be >= 4 for a sparse graph, got " + clients);
    }
    if (degree < 2 || degree % 2 != 0 || degree >= clients - 1) {
      throw new IllegalArgumentException(
          "degree must be even and in [2, clients - 1 = " + (clients - 1) + "), got " + degree);
    }
    int[] order = new int[clients];
    for (int i = 0; i < clients; i++) {
      order[i] = i + 1;
    }
    SplittableRandom r = new SplittableRandom(permutationSeed);
    for (int i = clients - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    List<SortedSet<Integer>> nb = new ArrayList<>();
    for (int u = 0; u <= clients; u++) {
      nb.add(new TreeSet<>());
    }
    for (int p = 0; p < clients; p++) {
      for (int d = 1; d <= degree / 2; d++) {
        int u = order[p];
        int v = order[(p + d) % clients];
        nb.get(u).add(v);
        nb.get(v).add(u);
      }
    }
    List<SortedSet<Integer>> frozen = new ArrayList<>();
    for (SortedSet<Integer> s : nb) {
      frozen.add(Collections.unmodifiableSortedSet(s));
    }
    return new CommunicationGraph(clients, List.copyOf(frozen), false);
  }

  /** Number of clients n. */
  public int clients() {
    return clients;
  }

  /** Whether this is the complete graph (plain SecAgg). */
  public boolean isComplete() {
    return complete;
  }

  /** The neighbours of client {@code u} (never {@code u} itself). */
  public SortedSet<Integer> neighbors(int u) {
    if (u < 1 || u > clients) {
      throw new IllegalArgumentException("client " + u + " outside [1, " + clients + "]");
    }
    return neighbors.get(u);
  }

  /** The smallest neighbourhood size including the client itself (degree + 1 when regular). */
  public int minNeighborhood() {
    int min = Integer.MAX_VALUE;
    for (int u = 1; u <= clients; u++) {
      min = Math.min(min, neighbors.get(u).size() + 1);
    }
    return min;
  }

  /** Whether {@code u} and {@code v} are neighbours. */
  public boolean adjacent(int u, int v) {
    return neighbors(u).contains(v);
  }
}
