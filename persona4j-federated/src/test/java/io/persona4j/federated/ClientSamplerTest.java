/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ClientSamplerTest {

  private static final List<String> CLIENTS =
      IntStream.range(0, 20).mapToObj(i -> String.format("c%02d", i)).toList();

  @Test
  void sizeIsMaxOfMinimumAndCeilFraction() {
    assertThat(new ClientSampler(0.3, 2, 1).sampleSize(20)).isEqualTo(6);
    assertThat(new ClientSampler(0.25, 2, 1).sampleSize(10)).isEqualTo(3);
    assertThat(new ClientSampler(0.1, 4, 1).sampleSize(20)).isEqualTo(4);
    assertThat(new ClientSampler(1.0, 1, 1).sample(1, 0, CLIENTS)).isEqualTo(CLIENTS);
    List<String> s = new ClientSampler(0.3, 2, 1).sample(5, 0, CLIENTS);
    assertThat(s).hasSize(6).doesNotHaveDuplicates().isSorted();
    assertThat(CLIENTS).containsAll(s);
  }

  @Test
  void seededAndVaryingAcrossRoundsAttemptsAndSeeds() {
    ClientSampler a = new ClientSampler(0.25, 1, 42);
    List<String> reversed = new java.util.ArrayList<>(CLIENTS);
    java.util.Collections.reverse(reversed);
    assertThat(a.sample(3, 0, reversed))
        .isEqualTo(new ClientSampler(0.25, 1, 42).sample(3, 0, CLIENTS));
    Set<List<String>> distinct = new HashSet<>();
    for (int r = 1; r <= 10; r++) {
      distinct.add(a.sample(r, 0, CLIENTS));
    }
    assertThat(distinct.size()).isGreaterThan(5);
    assertThat(a.sample(1, 1, CLIENTS)).isNotEqualTo(a.sample(1, 0, CLIENTS));
    assertThat(new ClientSampler(0.25, 1, 43).sample(1, 0, CLIENTS))
        .isNotEqualTo(a.sample(1, 0, CLIENTS));
  }

  @Test
  void everyClientIsEventuallySampled() {
    ClientSampler s = new ClientSampler(0.2, 1, 7);
    Set<String> seen = new HashSet<>();
    for (int r = 1; r <= 60; r++) {
      seen.addAll(s.sample(r, 0, CLIENTS));
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(CLIENTS);
  }

  @Test
  void rejectsBadConfigAndTooFewClients() {
    assertThatThrownBy(() -> new ClientSampler(0, 1, 1)).hasMessageContaining("fraction");
    assertThatThrownBy(() -> new ClientSampler(0.5, 0, 1)).hasMessageContaining("minClients");
    assertThatThrownBy(() -> new ClientSampler(0.5, 3, 1).sample(1, 0, List.of("a", "b")))
        .hasMessageContaining("only 2 clients available, minClients is 3");
  }
}
