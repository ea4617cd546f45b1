/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.rec.SharedData;
import io.persona4j.rec.data.ClientPartition;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** K-means clients on MovieLens users: a partition of the users, deterministic per seed. */
class ClientSplitTest {
  @TempDir static Path dir;
  static PreparedData data;
  static float[][] items;

  @BeforeAll
  static void load() throws Exception {
    data = PreparedData.of(InteractionDataset.load(SharedData.data("movielens-small")), 120, 2, 42);
    // Item i's embedding is (i, 1, -i): a user's mean is (m, 1, -m), m the mean item index.
    items = new float[data.dataset().numItems() + 1][];
    for (int i = 0; i < items.length; i++) {
      items[i] = new float[] {i, 1, -i};
    }
  }

  @Test
  void userEmbeddingIsTheMeanItemEmbeddingOfTheTrainingSequence() {
    float[][] users = ClientSplit.userEmbeddings(data, items);
    int[][] seqs = data.trainSequences();
    assertThat(users.length).isEqualTo(data.users().length);
    for (int u = 0; u < users.length; u++) {
      double m = Arrays.stream(seqs[u]).average().orElseThrow();
      assertThat(users[u][0]).isCloseTo((float) m, org.assertj.core.data.Offset.offset(1e-2f));
      assertThat(users[u][1]).isEqualTo(1f);
      assertThat(users[u][2]).isEqualTo(-users[u][0]);
    }
  }

  @Test
  void everyUserIsInExactlyOneClientAndThePartitionIsDeterministicPerSeed() throws Exception {
    float[][] users = ClientSplit.userEmbeddings(data, items);
    ClientPartition a = ClientSplit.partition(users, 5, 7);
    ClientPartition b = ClientSplit.partition(users, 5, 7);
    assertThat(a).isEqualTo(b);
    assertThat(a.emptyClients()).isZero();
    assertThat(Arrays.stream(a.sizes()).sum()).isEqualTo(data.users().length);

    Path file = dir.resolve("tokenizer.json");
    TokenizerJsonWriter.writeByteLevelBpe(file, 260, List.of("a"));
    try (Tokenizer tok = Tokenizer.load(file)) {
      LlaraPrompt prompt =
          new LlaraPrompt(
              tok,
              data.catalog(),
              LlaraPromptConfig.movies(4096).withTemplate(FellRecExperiment.OPEN_TEMPLATE));
      List<ClientData> clients = ClientSplit.clients(data, a, prompt, 0);
      List<ClientData> again = ClientSplit.clients(data, b, prompt, 0);
      assertThat(clients).hasSize(5);
      Set<Integer> seen = new HashSet<>();
      int train = 0;
      int test = 0;
      for (int c = 0; c < 5; c++) {
        ClientData d = clients.get(c);
        assertThat(d.id()).isEqualTo(ClientSplit.clientId(c));
        assertThat(d.users()).isEqualTo(again.get(c).users());
        assertThat(d.train()).isEqualTo(again.get(c).train());
        assertThat(d.users()).hasSize(a.sizes()[c]);
        for (int u : d.users()) {
          assertThat(seen.add(u)).as("user %d in two clients", u).isTrue();
        }
        Set<Integer> mine = new HashSet<>();
        Arrays.stream(d.users()).forEach(mine::add);
        d.test().forEach(s -> assertThat(mine).contains(s.user()));
        assertThat(d.valid()).hasSize(d.users().length);
        train += d.train().size();
        test += d.test().size();
      }
      List<Integer> all = new ArrayList<>();
      Arrays.stream(data.users()).forEach(all::add);
      assertThat(seen).containsExactlyInAnyOrderElementsOf(all);
      assertThat(train).isEqualTo(data.trainLlm().size());
      assertThat(test).isEqualTo(data.test().size());
      // A cap keeps the first users' test and validation samples of each client.
      List<ClientData> capped = ClientSplit.clients(data, a, prompt, 2);
      for (ClientData d : capped) {
        assertThat(d.test()).hasSize(Math.min(2, d.users().length));
        assertThat(d.valid()).hasSize(Math.min(2, d.users().length));
      }
    }
  }
}
