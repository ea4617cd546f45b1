/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.rec.SharedData;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecFppDatasetsTest {

  static double majorityShare(ClientData c) {
    long ones = c.trainLabels().stream().filter(l -> l == 1).count();
    return Math.max(ones, c.trainLabels().size() - ones) / (double) c.trainLabels().size();
  }

  @Test
  void dirichletSkewIsStrongAtSmallAlphaAndClientsAreDisjoint() throws Exception {
    SecFppPreset p = SecFppPreset.standard();
    List<ClientData> skewed =
        SecFppDatasets.amazon(SharedData.data("amazon-food-reviews"), p, 0.1, 1);
    List<ClientData> mild =
        SecFppDatasets.amazon(SharedData.data("amazon-food-reviews"), p, 1.0, 1);
    assertThat(skewed).hasSize(20);
    Set<String> seen = new HashSet<>();
    for (ClientData c : skewed) {
      assertThat(c.trainTexts()).hasSize(16);
      assertThat(c.testTexts()).hasSize(16);
      for (String t : c.trainTexts()) {
        assertThat(seen.add(t)).as("a training review is given to two clients").isTrue();
      }
    }
    double s =
        skewed.stream().mapToDouble(SecFppDatasetsTest::majorityShare).average().orElseThrow();
    double m = mild.stream().mapToDouble(SecFppDatasetsTest::majorityShare).average().orElseThrow();
    // E[max(p, 1-p)] for p ~ Beta(0.1, 0.1) is ~0.93, for Beta(1, 1) 0.75
    assertThat(s).isGreaterThan(0.85);
    assertThat(m).isBetween(0.6, 0.85);
    assertThat(s).isGreaterThan(m);
  }

  @Test
  void movielensClientsAreUsersWithTheirOwnRatingClasses() throws Exception {
    SecFppPreset p = SecFppPreset.standard();
    List<ClientData> users = SecFppDatasets.movielens(SharedData.data("movielens-small"), p, 2);
    assertThat(users).hasSize(20);
    for (ClientData c : users) {
      assertThat(c.trainTexts()).hasSize(16).allMatch(t -> t.contains(". "));
      assertThat(c.testLabels()).hasSize(16).allMatch(l -> l == 0 || l == 1);
    }
    // Toy Story (movieId 1) text form: "title. genres"
    assertThat(
            users.stream()
                .flatMap(c -> c.trainTexts().stream())
                .anyMatch(t -> t.matches(".*\\(\\d{4}\\)\\. .*")))
        .isTrue();
  }
}
