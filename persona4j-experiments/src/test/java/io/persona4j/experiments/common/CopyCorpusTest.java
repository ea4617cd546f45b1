/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.core.train.Pretraining;
import io.persona4j.rec.SharedData;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.RecSample;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The copying corpus reads training data only: on the real MovieLens copy, no prompt of a user
 * shows that user's validation or test item, histories are windows of the training sequence, and
 * the answer is a listed candidate drawn at random (not the next item).
 */
class CopyCorpusTest {
  @Test
  void promptsUseTrainingDataOnlyAndAnswerAListedCandidate() throws Exception {
    InteractionDataset ds = InteractionDataset.load(SharedData.data("movielens-small"));
    PreparedData data = PreparedData.of(ds, 60, 1, 42);
    Map<Integer, Set<Integer>> heldOut = new HashMap<>();
    for (List<CandidateExample> split : List.of(data.valid(), data.test())) {
      for (CandidateExample c : split) {
        heldOut.computeIfAbsent(c.example().user(), u -> new HashSet<>()).add(c.example().target());
      }
    }
    Map<Integer, int[]> train = new HashMap<>();
    int[][] seqs = data.trainSequences();
    for (int i = 0; i < seqs.length; i++) {
      train.put(data.users()[i], seqs[i]);
    }
    List<RecSample> samples = CopyCorpus.samples(data, 8, 5, 3);
    assertThat(samples).hasSize(60 * 8);
    Set<Integer> answerPositions = new HashSet<>();
    int nextItemAnswers = 0;
    for (RecSample s : samples) {
      int user = s.user();
      assertThat(train).containsKey(user);
      Set<Integer> held = heldOut.get(user);
      assertThat(held).hasSize(2);
      Set<Integer> whole = new HashSet<>();
      for (int item : ds.sequence(user)) {
        whole.add(item);
      }
      // The history is a window of at most 10 items of the training sequence.
      assertThat(s.history().length).isBetween(1, CopyCorpus.HISTORY);
      assertThat(isWindow(train.get(user), s.history())).as("user %d", user).isTrue();
      for (int item : s.history()) {
        assertThat(held).doesNotContain(item);
      }
      // Candidates: 5..20 items outside the user's whole sequence; the answer is one of them.
      assertThat(s.candidates().length).isBetween(5, CopyCorpus.CANDIDATES);
      for (int item : s.candidates()) {
        assertThat(whole).doesNotContain(item);
        assertThat(ds.title(item)).isNotBlank();
      }
      answerPositions.add(s.targetIndex());
      int[] seq = train.get(user);
      int end = indexOfWindowEnd(seq, s.history());
      if (end + 1 < seq.length && seq[end + 1] == s.target()) {
        nextItemAnswers++;
      }
    }
    // Answers are drawn among the candidates (every position occurs), never the next item.
    assertThat(answerPositions).hasSizeGreaterThanOrEqualTo(10);
    assertThat(nextItemAnswers).isZero();
    // Seeded: the same seed gives the same corpus, another seed another.
    assertThat(CopyCorpus.samples(data, 8, 5, 3)).isEqualTo(samples);
    assertThat(CopyCorpus.samples(data, 8, 5, 4)).isNotEqualTo(samples);

    // Documents: the prompt (text mode, then with placeholders), the answer " " + title.
    ItemCatalog catalog = data.catalog();
    List<Pretraining.Document> docs = CopyCorpus.documents(samples.subList(0, 4), catalog, 512);
    for (int i = 0; i < docs.size(); i++) {
      Pretraining.Document d = docs.get(i);
      RecSample s = samples.get(i);
      assertThat(d.text()).startsWith("This user has watched ").endsWith("Answer:");
      assertThat(d.completion()).isEqualTo(" " + catalog.title(s.target()));
      assertThat(d.text().contains("[CansEmb]")).isEqualTo(i % 2 == 1);
      assertThat(d.text())
          .contains("Choose the answer from the following " + s.candidates().length + " movie");
    }
  }

  static boolean isWindow(int[] seq, int[] window) {
    return indexOfWindowEnd(seq, window) >= 0;
  }

  /** Index in {@code seq} of the window's last item, or -1 if it is not a contiguous window. */
  static int indexOfWindowEnd(int[] seq, int[] window) {
    for (int from = 0; from + window.length <= seq.length; from++) {
      if (Arrays.equals(Arrays.copyOfRange(seq, from, from + window.length), window)) {
        return from + window.length - 1;
      }
    }
    return -1;
  }
}
