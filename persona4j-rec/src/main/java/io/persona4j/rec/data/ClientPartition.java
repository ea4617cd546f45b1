/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * An assignment of users (dense indices {@code 0..numUsers-1}) to federated clients {@code
 * 0..numClients-1}: every user belongs to exactly one client. Some clients may be empty (Dirichlet
 * partitions with a small alpha); K-means partitions never have empty clients.
 *
 * @param numClients number of clients (>= 1)
 * @param clientOfUser the client of each user, a defensive copy
 */
public record ClientPartition(int numClients, int[] clientOfUser) {
  public ClientPartition {
    if (numClients < 1) {
      throw new IllegalArgumentException("numClients must be >= 1, got " + numClients);
    }
    clientOfUser = clientOfUser.clone();
    for (int u = 0; u < clientOfUser.length; u++) {
      if (clientOfUser[u] < 0 || clientOfUser[u] >= numClients) {
        throw new IllegalArgumentException(
            "clientOfUser[" + u + "] must be in [0, " + numClients + "), got " + clientOfUser[u]);
      }
    }
  }

  /** The assignment (a fresh copy). */
  @Override
  public int[] clientOfUser() {
    return clientOfUser.clone();
  }

  public int numUsers() {
    return clientOfUser.length;
  }

  /** The client of {@code user}. */
  public int client(int user) {
    return clientOfUser[user];
  }

  /** The users of {@code client}, ascending. */
  public int[] users(int client) {
    if (client < 0 || client >= numClients) {
      throw new IndexOutOfBoundsException(
          "client must be in [0, " + numClients + "), got " + client);
    }
    return IntStream.range(0, clientOfUser.length).filter(u -> clientOfUser[u] == client).toArray();
  }

  /** Number of users of each client. */
  public int[] sizes() {
    int[] sizes = new int[numClients];
    for (int c : clientOfUser) {
      sizes[c]++;
    }
    return sizes;
  }

  /** Number of clients without users. */
  public int emptyClients() {
    return (int) Arrays.stream(sizes()).filter(s -> s == 0).count();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClientPartition p
        && p.numClients == numClients
        && Arrays.equals(p.clientOfUser, clientOfUser);
  }

  @Override
  public int hashCode() {
    return numClients * 31 + Arrays.hashCode(clientOfUser);
  }

  @Override
  public String toString() {
    int[] sizes = sizes();
    int min = Arrays.stream(sizes).min().orElse(0);
    int max = Arrays.stream(sizes).max().orElse(0);
    return "ClientPartition[users="
        + clientOfUser.length
        + ", clients="
        + numClients
        + ", sizes "
        + min
        + ".."
        + max
        + ", empty="
        + emptyClients()
        + "]";
  }
}
