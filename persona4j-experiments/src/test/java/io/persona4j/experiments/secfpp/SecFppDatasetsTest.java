/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.rec.SharedData;
import java.nio.file.Path;
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

  @Test
  void domainsSettingHalvesTheFederationIntoReviewAndMovieClients() throws Exception {
    SecFppPreset p = SecFppPreset.domainsPreset();
    List<ClientData> clients =
        SecFppDatasets.domains(
            SharedData.data("amazon-food-reviews"), SharedData.data("movielens-small"), p, 1);
    assertThat(clients).hasSize(20);
    for (int i = 0; i < 20; i++) {
      ClientData c = clients.get(i);
      assertThat(c.trainTexts()).hasSize(16);
      assertThat(c.testTexts()).hasSize(16);
      boolean movie = c.trainTexts().stream().allMatch(t -> t.matches(".*\\(\\d{4}\\)\\. .*"));
      assertThat(SecFppDatasets.domainOf(i, p)).isEqualTo(i < 10 ? 0 : 1);
      assertThat(movie).as("client %d", i).isEqualTo(i >= 10);
    }
    // review clients carry the pool's label mix (about 65% "great"), not a skew
    double great =
        clients.subList(0, 10).stream()
            .flatMap(c -> c.trainLabels().stream())
            .mapToInt(Integer::intValue)
            .average()
            .orElseThrow();
    assertThat(great).isBetween(0.5, 0.8);
  }

  @Test
  void validationSplitIsDisjointFromTrainingAndTestAndDeterministicPerSeed() throws Exception {
    SecFppPreset p = SecFppPreset.domainsPreset();
    assertThat(p.validPerClient()).isEqualTo(16);
    Path reviews = SharedData.data("amazon-food-reviews");
    Path movies = SharedData.data("movielens-small");
    List<ClientData> a = SecFppDatasets.domains(reviews, movies, p, 1);
    Set<String> testCsv = new HashSet<>();
    SecFppDatasets.reviewsByLabel(reviews.resolve("test.csv")).forEach(testCsv::addAll);
    Set<String> trainAndTest = new HashSet<>(testCsv);
    for (ClientData c : a) {
      trainAndTest.addAll(c.trainTexts());
      trainAndTest.addAll(c.testTexts());
    }
    Set<String> valid = new HashSet<>();
    for (int i = 0; i < a.size(); i++) {
      ClientData c = a.get(i);
      assertThat(c.validTexts()).as("client %d", i).hasSize(16);
      assertThat(c.validLabels()).hasSize(16).allMatch(l -> l == 0 || l == 1);
      assertThat(c.validTexts()).doesNotContainAnyElementsOf(c.trainTexts());
      assertThat(c.validTexts()).doesNotContainAnyElementsOf(c.testTexts());
      for (String t : c.validTexts()) {
        if (i < 10) {
          // reviews: no validation text is a test review or any client's training or test text,
          // and none is given twice (MovieLens users rate the same movies: only per client)
          assertThat(trainAndTest).as("client %d's validation text %s", i, t).doesNotContain(t);
          assertThat(valid.add(t)).as("validation review given twice: %s", t).isTrue();
        }
      }
      boolean movie = c.validTexts().stream().allMatch(t -> t.matches(".*\\(\\d{4}\\)\\. .*"));
      assertThat(movie).as("client %d", i).isEqualTo(i >= 10);
    }
    // deterministic per seed, different across seeds
    assertThat(SecFppDatasets.domains(reviews, movies, p, 1)).isEqualTo(a);
    List<ClientData> b = SecFppDatasets.domains(reviews, movies, p, 2);
    assertThat(b.get(0).validTexts()).isNotEqualTo(a.get(0).validTexts());
    assertThat(b.get(15).validTexts()).isNotEqualTo(a.get(15).validTexts());
    // asking for a validation split leaves the review clients' training and test draws unchanged
    List<ClientData> none =
        SecFppDatasets.domains(reviews, movies, p.toBuilder().optValidPerClient(0).build(), 1);
    for (int i = 0; i < 10; i++) {
      assertThat(none.get(i).trainTexts()).isEqualTo(a.get(i).trainTexts());
      assertThat(none.get(i).testTexts()).isEqualTo(a.get(i).testTexts());
      assertThat(none.get(i).validTexts()).isEmpty();
    }
  }

  @Test
  void amazonValidationFollowsTheClientsLabelMix() throws Exception {
    SecFppPreset p = SecFppPreset.standard().toBuilder().optValidPerClient(12).build();
    Path reviews = SharedData.data("amazon-food-reviews");
    List<ClientData> clients = SecFppDatasets.amazon(reviews, p, 0.1, 3);
    List<ClientData> plain = SecFppDatasets.amazon(reviews, SecFppPreset.standard(), 0.1, 3);
    int agree = 0;
    for (int i = 0; i < clients.size(); i++) {
      ClientData c = clients.get(i);
      assertThat(c.trainTexts()).isEqualTo(plain.get(i).trainTexts());
      assertThat(c.validTexts()).hasSize(12).doesNotContainAnyElementsOf(c.trainTexts());
      assertThat(c.validTexts()).doesNotContainAnyElementsOf(c.testTexts());
      int trainMajority = ones(c.trainLabels()) * 2 >= 16 ? 1 : 0;
      int validMajority = ones(c.validLabels()) * 2 >= 12 ? 1 : 0;
      agree += trainMajority == validMajority ? 1 : 0;
    }
    // at alpha 0.1 a client's training and validation labels come from the same skewed mix
    assertThat(agree).isGreaterThanOrEqualTo(16);
  }

  private static int ones(List<Integer> labels) {
    return (int) labels.stream().filter(l -> l == 1).count();
  }
}
