/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.rec.SharedData;
import io.persona4j.rec.data.ClientPartition;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.RecSample;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Genre-taste clients, their divergence check and the noisy client's corrupted targets. */
class TasteClientsTest {
  @TempDir static Path dir;
  static PreparedData data;

  @BeforeAll
  static void load() throws Exception {
    data = PreparedData.of(InteractionDataset.load(SharedData.data("movielens-small")), 200, 2, 42);
  }

  @Test
  void tasteGroupsPlusANoisyClientPartitionTheUsersDeterministically() {
    TasteClients.Grouping g = TasteClients.group(data, 4, 20, 42);
    ClientPartition p = g.partition();
    assertThat(p).isEqualTo(TasteClients.group(data, 4, 20, 42).partition());
    assertThat(p.numClients()).isEqualTo(5);
    assertThat(g.noisyClient()).isEqualTo(4);
    assertThat(p.sizes()[4]).isEqualTo(20);
    assertThat(p.emptyClients()).isZero();
    assertThat(Arrays.stream(p.sizes()).sum()).isEqualTo(data.users().length);
    assertThat(g.genres()).contains("Drama", "Comedy").isSorted();
    TasteClients.Grouping none = TasteClients.group(data, 4, 0, 42);
    assertThat(none.noisyClient()).isEqualTo(-1);
    assertThat(none.partition().numClients()).isEqualTo(4);
    assertThatThrownBy(() -> TasteClients.group(data, 4, data.users().length, 42))
        .hasMessageContaining("noisyUsers must be in [0, " + (data.users().length - 4) + "]");
  }

  @Test
  void genreGroupsDifferMoreThanRandomGroupsOfTheSameSizes() {
    TasteClients.Grouping g = TasteClients.group(data, 4, 0, 42);
    TasteClients.Check check = TasteClients.check(data, g.partition(), 100, 42);
    assertThat(check.distance()).hasSize(4);
    assertThat(check.topGenres()).hasSize(4);
    // Held-out next items: on average the taste groups are further from the rest than random
    // groups of the same sizes.
    double taste = Arrays.stream(check.distance()).average().orElseThrow();
    double random = Arrays.stream(check.randomDistance()).average().orElseThrow();
    assertThat(taste).isGreaterThan(random);
    assertThat(check.describe()).contains("client-00: next-item genres").contains("TV distance");
  }

  @Test
  void totalVariationDistanceByHand() {
    assertThat(TasteClients.tv(new double[] {1, 1}, new double[] {2, 2})).isZero();
    assertThat(TasteClients.tv(new double[] {1, 0}, new double[] {0, 3})).isEqualTo(1.0);
    // (0.75, 0.25) vs (0.25, 0.75): (0.5 + 0.5) / 2
    assertThat(TasteClients.tv(new double[] {3, 1}, new double[] {1, 3}))
        .isCloseTo(0.5, within(1e-12));
  }

  @Test
  void profileIsTheGenreShareOfTheItems() {
    InteractionDataset ds = data.dataset();
    List<String> genres = TasteClients.genreNames(ds);
    int item = 1;
    float[] p = TasteClients.profile(ds, new int[] {item}, genres);
    int n = ds.genres(item).size();
    for (int d = 0; d < genres.size(); d++) {
      float want = ds.genres(item).contains(genres.get(d)) ? 1f / n : 0f;
      assertThat(p[d]).isCloseTo(want, within(1e-6f));
    }
  }

  @Test
  void corruptedTargetIsARandomItemOutsideHistoryAndCandidates() {
    RecSample s = PreparedData.samples(data.trainLlm()).get(0);
    Set<Integer> taken = new HashSet<>();
    Arrays.stream(s.history()).forEach(taken::add);
    Arrays.stream(s.candidates()).forEach(taken::add);
    SplittableRandom r = new SplittableRandom(3);
    Set<Integer> targets = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      RecSample c = ClientSplit.corrupt(s, data.dataset().numItems(), r);
      assertThat(taken).doesNotContain(c.target());
      assertThat(c.history()).isEqualTo(s.history());
      assertThat(c.targetIndex()).isEqualTo(s.targetIndex());
      int[] other = c.candidates();
      int[] orig = s.candidates();
      for (int k = 0; k < orig.length; k++) {
        if (k != s.targetIndex()) {
          assertThat(other[k]).isEqualTo(orig[k]);
        }
      }
      targets.add(c.target());
    }
    assertThat(targets.size()).isGreaterThan(15);
  }

  @Test
  void onlyTheNoisyClientsTrainingAnswersChange() throws Exception {
    TasteClients.Grouping g = TasteClients.group(data, 3, 20, 42);
    Path file = dir.resolve("tokenizer.json");
    TokenizerJsonWriter.writeByteLevelBpe(file, 260, List.of("a"));
    try (Tokenizer tok = Tokenizer.load(file)) {
      LlaraPrompt prompt =
          new LlaraPrompt(
              tok,
              data.catalog(),
              LlaraPromptConfig.movies(4096).withTemplate(FellRecExperiment.OPEN_TEMPLATE));
      List<ClientData> clean = ClientSplit.clients(data, g.partition(), prompt, 0);
      List<ClientData> noisy =
          ClientSplit.clients(data, g.partition(), prompt, 0, g.noisyClient(), 42);
      for (int c = 0; c < clean.size(); c++) {
        assertThat(noisy.get(c).valid()).isEqualTo(clean.get(c).valid());
        assertThat(noisy.get(c).test()).hasSameSizeAs(clean.get(c).test());
        if (c == g.noisyClient()) {
          assertThat(noisy.get(c).train()).hasSameSizeAs(clean.get(c).train());
          for (int i = 0; i < clean.get(c).train().size(); i++) {
            assertThat(noisy.get(c).train().get(i)).isNotEqualTo(clean.get(c).train().get(i));
          }
        } else {
          assertThat(noisy.get(c).train()).isEqualTo(clean.get(c).train());
        }
      }
    }
  }
}
