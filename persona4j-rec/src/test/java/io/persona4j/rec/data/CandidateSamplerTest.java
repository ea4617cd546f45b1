/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CandidateSamplerTest {
  /**
   * 60 catalog items (ids 1..60), item 13 without a title; 8 users with 25 interactions each over
   * items chosen so that every titled item is interacted with.
   */
  static InteractionDataset dataset() {
    InteractionDatasetBuilder b = InteractionDataset.builder();
    for (int i = 1; i <= 60; i++) {
      b.item(i, i == 13 ? "" : "Movie " + i, List.of());
    }
    for (int u = 0; u < 8; u++) {
      for (int k = 0; k < 25; k++) {
        b.interaction(u, 1 + (u * 7 + k) % 60, k);
      }
    }
    return b.build();
  }

  @Test
  void candidateSetsFollowTheProtocol() {
    InteractionDataset d = dataset();
    assertThat(d.itemIndex(13)).isEmpty(); // its interactions were dropped: never a candidate
    SequentialSplit split = SequentialSplit.of(d);
    CandidateSampler sampler = new CandidateSampler(d, CandidateSampler.DEFAULT_NEGATIVES, 42);
    List<SeqExample> all = new ArrayList<>(split.train());
    all.addAll(split.test());
    int[] targetPositions = new int[20];
    Set<Integer> everSampled = new HashSet<>();
    for (SeqExample e : all) {
      int[] c = sampler.candidates(e);
      assertThat(c).hasSize(20).doesNotHaveDuplicates().contains(e.target());
      for (int item : c) {
        assertThat(item).isBetween(1, d.numItems());
        assertThat(d.title(item)).isNotBlank();
        assertThat(d.itemId(item)).isNotEqualTo(13);
        if (item != e.target()) {
          assertThat(e.inHistory(item)).as("negative %d in history of %s", item, e).isFalse();
          everSampled.add(item);
        }
      }
      targetPositions[new CandidateExample(e, c).targetIndex()]++;
    }
    // Shuffled: the target lands in many of the 20 positions (~180 examples).
    assertThat(Arrays.stream(targetPositions).filter(x -> x > 0).count()).isGreaterThan(15);
    assertThat(Arrays.stream(targetPositions).max().getAsInt()).isLessThan(30);
    assertThat(everSampled).hasSize(d.numItems()); // every item can be a negative
  }

  @Test
  void deterministicPerExampleAndIndependentOfOrder() {
    InteractionDataset d = dataset();
    List<SeqExample> train = SequentialSplit.of(d).train();
    CandidateSampler a = new CandidateSampler(d, 19, 7);
    CandidateSampler b = new CandidateSampler(d, 19, 7);
    List<CandidateExample> attached = a.attach(train);
    assertThat(attached).hasSize(train.size());
    for (int i = train.size() - 1; i >= 0; i--) {
      assertThat(attached.get(i).example()).isEqualTo(train.get(i));
      assertThat(b.candidates(train.get(i))).isEqualTo(attached.get(i).candidates());
    }
    List<CandidateExample> otherSeed = new CandidateSampler(d, 19, 8).attach(train);
    long same = 0;
    for (int i = 0; i < train.size(); i++) {
      same += Arrays.equals(otherSeed.get(i).candidates(), attached.get(i).candidates()) ? 1 : 0;
    }
    assertThat(same).isZero();
  }

  @Test
  void allInteractedExclusionAvoidsTheWholeSequence() {
    InteractionDataset d = dataset();
    CandidateSampler sampler =
        new CandidateSampler(d, 10, 1, CandidateSampler.Exclusion.ALL_INTERACTED);
    for (SeqExample e : SequentialSplit.of(d).train()) {
      Set<Integer> seq = new HashSet<>();
      for (int item : d.sequence(e.user())) {
        seq.add(item);
      }
      int[] c = sampler.candidates(e);
      assertThat(c).hasSize(11);
      for (int item : c) {
        assertThat(item == e.target() || !seq.contains(item)).isTrue();
      }
    }
  }

  @Test
  void enumerationPathWhenFewItemsAreFreeAndErrorWhenTooFew() {
    // 30 items; the user saw 26 of them: 29 eligible, 26 taken -> 3 free (< half: enumerated).
    InteractionDatasetBuilder b = InteractionDataset.builder();
    for (int i = 1; i <= 30; i++) {
      b.item(i, "m" + i, List.of());
      b.interaction(1000, i, i); // another user makes all 30 items indexed
    }
    for (int i = 1; i <= 26; i++) {
      b.interaction(1, i, i);
    }
    InteractionDataset d = b.build();
    SeqExample e = new SeqExample(0, d.sequence(0), 27);
    CandidateSampler sampler =
        new CandidateSampler(d, 3, 5, CandidateSampler.Exclusion.ALL_INTERACTED);
    int[] c = sampler.candidates(e);
    Arrays.sort(c);
    assertThat(c).containsExactly(27, 28, 29, 30);
    assertThatThrownBy(
            () ->
                new CandidateSampler(d, 4, 5, CandidateSampler.Exclusion.ALL_INTERACTED)
                    .candidates(e))
        .hasMessageContaining("only 3 items are available as negatives")
        .hasMessageContaining("need negatives = 4");
    assertThatThrownBy(() -> new CandidateSampler(d, 0, 5))
        .hasMessageContaining("negatives must be >= 1, got 0");
    assertThatThrownBy(() -> sampler.candidates(new SeqExample(0, new int[] {1}, 31)))
        .hasMessageContaining("target 31");
  }

  @Test
  void candidateExampleRequiresTheTargetOnce() {
    SeqExample e = new SeqExample(0, new int[] {1}, 2);
    assertThatThrownBy(() -> new CandidateExample(e, new int[] {3, 4}))
        .hasMessageContaining("exactly once");
    assertThatThrownBy(() -> new CandidateExample(e, new int[] {2, 2}))
        .hasMessageContaining("exactly once");
    assertThat(new CandidateExample(e, new int[] {3, 2}).targetIndex()).isEqualTo(1);
  }
}
