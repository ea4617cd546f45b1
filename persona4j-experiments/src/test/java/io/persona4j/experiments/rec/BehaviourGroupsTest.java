/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.experiments.common.PairedStats;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.InteractionDatasetBuilder;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Behaviour groups on planted tastes, and the divergence check's distance by hand. */
class BehaviourGroupsTest {
  /**
   * 40 users: the even ones watch 10 of 20 Action films, the odd ones 10 of 20 Romance films
   * (random order, seeded).
   */
  static InteractionDataset planted() {
    InteractionDatasetBuilder b = InteractionDataset.builder();
    for (int i = 1; i <= 40; i++) {
      b.item(i, "Film " + i, List.of(i <= 20 ? "Action" : "Romance"));
    }
    SplittableRandom r = new SplittableRandom(5);
    for (int u = 1; u <= 40; u++) {
      int offset = u % 2 == 0 ? 0 : 20;
      int[] pool = new int[20];
      for (int i = 0; i < 20; i++) {
        pool[i] = offset + i + 1;
      }
      for (int i = 19; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
      }
      for (int k = 0; k < 10; k++) {
        b.interaction(u, pool[k], 1000L * k);
      }
    }
    return b.build();
  }

  @Test
  void plantedTastesAreFoundAndTheirNextItemsDiffer() {
    InteractionDataset ds = planted();
    PreparedData data = PreparedData.of(ds, 0, 1, 42);
    BehaviourGroups g = BehaviourGroups.byGenreProfile(data, 2, 42);
    int[] users = data.users();
    int[] found = new int[users.length];
    int[] truth = new int[users.length];
    for (int i = 0; i < users.length; i++) {
      found[i] = g.groupOfUser()[users[i]];
      truth[i] = ds.userId(users[i]) % 2 == 0 ? 0 : 1;
    }
    assertThat(PairedStats.adjustedRandIndex(found, truth)).isEqualTo(1.0);
    assertThat(g.sizes()).containsExactlyInAnyOrder(20, 20);
    assertThat(g.genres()).containsExactly("Action", "Romance");
    // Each group's next items are all of its genre: TV 1 to the other group.
    assertThat(g.tv()).containsExactly(new double[] {1.0, 1.0}, within(1e-12));
    assertThat(g.randomTvMax()).isLessThan(0.9);
    assertThat(g.differ()).isTrue();
    assertThat(g.checkLines()).last().asString().contains("differ (every group");
    assertThat(g.groupsOf(PreparedData.samples(data.test()))).containsExactly(found);
  }

  @Test
  void totalVariationIsHalfTheL1Distance() {
    assertThat(BehaviourGroups.tv(new double[] {0.5, 0.5, 0}, new double[] {0.2, 0.3, 0.5}))
        .isCloseTo(0.5, within(1e-12));
    assertThat(BehaviourGroups.tv(new double[] {1, 0}, new double[] {1, 0})).isZero();
  }
}
