/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientPartitionerTest {
  /** Every user in exactly one client's user list. */
  static void assertCoversEveryUserOnce(ClientPartition p, int numUsers) {
    assertThat(p.numUsers()).isEqualTo(numUsers);
    int[] seen = new int[numUsers];
    for (int c = 0; c < p.numClients(); c++) {
      for (int u : p.users(c)) {
        seen[u]++;
        assertThat(p.client(u)).isEqualTo(c);
      }
    }
    assertThat(seen).containsOnly(1);
    assertThat(Arrays.stream(p.sizes()).sum()).isEqualTo(numUsers);
  }

  /** {@code perLabel} users for each of {@code labels} labels, interleaved. */
  static UserLabels labels(int labels, int perLabel) {
    int[] l = new int[labels * perLabel];
    for (int u = 0; u < l.length; u++) {
      l[u] = u % labels;
    }
    String[] names = new String[labels];
    for (int i = 0; i < labels; i++) {
      names[i] = "g" + i;
    }
    return new UserLabels(l, List.of(names));
  }

  @Test
  void oneClientPerUser() {
    ClientPartition p = ClientPartitioner.perUser(5);
    assertCoversEveryUserOnce(p, 5);
    assertThat(p.clientOfUser()).containsExactly(0, 1, 2, 3, 4);
    assertThat(p.emptyClients()).isZero();
  }

  @Test
  void dirichletCoversEveryUserOnceAndIsDeterministic() {
    UserLabels l = labels(6, 50);
    for (double alpha : new double[] {0.05, 0.5, 100}) {
      ClientPartition a = ClientPartitioner.dirichlet(l, 8, alpha, 42);
      assertCoversEveryUserOnce(a, 300);
      assertThat(ClientPartitioner.dirichlet(l, 8, alpha, 42)).isEqualTo(a);
      assertThat(ClientPartitioner.dirichlet(l, 8, alpha, 43)).isNotEqualTo(a);
    }
  }

  @Test
  void smallAlphaSkewsLabelsLargeAlphaSpreadsThem() {
    UserLabels l = labels(10, 100);
    // Mean over labels of the largest share of the label held by one client.
    double skewed = maxShare(ClientPartitioner.dirichlet(l, 10, 0.05, 1), l);
    double spread = maxShare(ClientPartitioner.dirichlet(l, 10, 1000, 1), l);
    assertThat(skewed).isGreaterThan(0.7);
    assertThat(spread).isLessThan(0.2); // uniform would be 0.1
    // Large alpha: every client gets about 100 users.
    ClientPartition even = ClientPartitioner.dirichlet(l, 10, 1000, 1);
    assertThat(Arrays.stream(even.sizes()).boxed().toList()).allMatch(s -> s > 80 && s < 120);
  }

  private static double maxShare(ClientPartition p, UserLabels l) {
    int labels = l.names().size();
    int[][] counts = new int[labels][p.numClients()];
    int[] totals = new int[labels];
    for (int u = 0; u < p.numUsers(); u++) {
      counts[l.labels()[u]][p.client(u)]++;
      totals[l.labels()[u]]++;
    }
    double sum = 0;
    for (int g = 0; g < labels; g++) {
      sum += Arrays.stream(counts[g]).max().getAsInt() / (double) totals[g];
    }
    return sum / labels;
  }

  @Test
  void dominantGenreLabelsByHand() {
    InteractionDataset d =
        InteractionDataset.builder()
            .item(1, "A", List.of("Drama", "Comedy"))
            .item(2, "B", List.of("Comedy"))
            .item(3, "C", List.of("Action"))
            .item(4, "D", List.of())
            .interaction(10, 1, 1) // user 0: Drama 1, Comedy 2 -> Comedy
            .interaction(10, 2, 2)
            .interaction(20, 1, 1) // user 1: Drama 1, Comedy 1, Action 1 -> Action (tie: first)
            .interaction(20, 3, 2)
            .interaction(30, 4, 1) // user 2: no genre
            .build();
    UserLabels l = ClientPartitioner.dominantGenres(d);
    assertThat(l.names()).containsExactly("(none)", "Action", "Comedy");
    assertThat(l.name(0)).isEqualTo("Comedy");
    assertThat(l.name(1)).isEqualTo("Action");
    assertThat(l.name(2)).isEqualTo(ClientPartitioner.NO_GENRE);
    ClientPartition p = ClientPartitioner.dirichlet(d, 2, 0.5, 3);
    assertCoversEveryUserOnce(p, 3);
  }

  @Test
  void kMeansPartitionOfUserEmbeddings() {
    float[][] emb = KMeansTest.blobs(new double[][] {{0, 0}, {20, 20}, {-20, 20}}, 30, 1.0, 8);
    ClientPartition p = ClientPartitioner.kMeans(emb, 3, 5);
    assertCoversEveryUserOnce(p, 90);
    assertThat(p.sizes()).containsOnly(30);
    for (int u = 0; u < 90; u++) {
      assertThat(p.client(u)).isEqualTo(p.client(u % 3)); // same blob, same client
    }
    assertThat(ClientPartitioner.kMeans(emb, 3, 5)).isEqualTo(p);
    assertThat(p.emptyClients()).isZero();
  }

  @Test
  void invalidArguments() {
    UserLabels l = labels(2, 2);
    assertThatThrownBy(() -> ClientPartitioner.dirichlet(l, 0, 1, 0))
        .hasMessageContaining("numClients must be >= 1, got 0");
    assertThatThrownBy(() -> ClientPartitioner.dirichlet(l, 2, 0, 0))
        .hasMessageContaining("alpha must be > 0");
    assertThatThrownBy(() -> new ClientPartition(2, new int[] {0, 2}))
        .hasMessageContaining("clientOfUser[1] must be in [0, 2), got 2");
    assertThatThrownBy(() -> new UserLabels(new int[] {1}, List.of("a")))
        .hasMessageContaining("labels[0] must be in [0, 1), got 1");
  }
}
