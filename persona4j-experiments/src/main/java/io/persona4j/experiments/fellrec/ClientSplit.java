/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.core.train.Example;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.ClientPartition;
import io.persona4j.rec.data.ClientPartitioner;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.PromptMode;
import io.persona4j.rec.llara.RecSample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Groups the users of a prepared data set into federated clients, as FELLRec's reference code does
 * (K-means on user embeddings), and gives each client its own users' examples.
 *
 * <p>A user's embedding is the mean of the SASRec item embeddings of its training sequence (the
 * validation and test items are not used).
 */
public final class ClientSplit {
  private ClientSplit() {}

  /**
   * One embedding per kept user ({@code data.users()} order): the mean of {@code itemEmbeddings}
   * rows over the user's training sequence.
   *
   * @param itemEmbeddings row {@code i} is dense item {@code i} (row 0 padding)
   */
  public static float[][] userEmbeddings(PreparedData data, float[][] itemEmbeddings) {
    int[][] seqs = data.trainSequences();
    int dim = itemEmbeddings[0].length;
    float[][] out = new float[seqs.length][dim];
    for (int u = 0; u < seqs.length; u++) {
      if (seqs[u].length == 0) {
        continue;
      }
      double[] sum = new double[dim];
      for (int item : seqs[u]) {
        float[] e = itemEmbeddings[item];
        for (int d = 0; d < dim; d++) {
          sum[d] += e[d];
        }
      }
      for (int d = 0; d < dim; d++) {
        out[u][d] = (float) (sum[d] / seqs[u].length);
      }
    }
    return out;
  }

  /**
   * K-means partition of the kept users into {@code clients} clients (index {@code i} is {@code
   * data.users()[i]}); deterministic per seed, no client empty. The embeddings are scaled to unit
   * length first: a mean of many item vectors is shorter than a mean of few, and without the
   * scaling the history length rather than the taste decided the clusters (users with short
   * histories ended up as singleton clients).
   */
  public static ClientPartition partition(float[][] userEmbeddings, int clients, long seed) {
    float[][] unit = new float[userEmbeddings.length][];
    for (int u = 0; u < unit.length; u++) {
      float[] e = userEmbeddings[u];
      double n = 0;
      for (float x : e) {
        n += (double) x * x;
      }
      double inv = n > 0 ? 1 / Math.sqrt(n) : 0;
      unit[u] = new float[e.length];
      for (int d = 0; d < e.length; d++) {
        unit[u][d] = (float) (e[d] * inv);
      }
    }
    return ClientPartitioner.kMeans(unit, clients, seed);
  }

  /** The id of client {@code c} on the grid. */
  public static String clientId(int c) {
    return String.format("client-%02d", c);
  }

  /**
   * Each client's training, validation and test data under {@code partition} (over {@code
   * data.users()} indices); prompts by {@code prompt} in text mode.
   *
   * @param evalUsersPerClient test and validation samples kept per client (the first ones by user;
   *     0: all)
   */
  public static List<ClientData> clients(
      PreparedData data, ClientPartition partition, LlaraPrompt prompt, int evalUsersPerClient) {
    return clients(data, partition, prompt, evalUsersPerClient, -1, 0);
  }

  /**
   * As {@link #clients(PreparedData, ClientPartition, LlaraPrompt, int)}, with the training data of
   * client {@code noisyClient} (-1: none) corrupted: every training example's target is replaced by
   * an item drawn uniformly (seeded by {@code noiseSeed}) from the catalog items outside the
   * example's history and candidates, and takes the target's place among the candidates. Its
   * validation and test samples stay its users' real next items.
   */
  public static List<ClientData> clients(
      PreparedData data,
      ClientPartition partition,
      LlaraPrompt prompt,
      int evalUsersPerClient,
      int noisyClient,
      long noiseSeed) {
    int[] users = data.users();
    if (partition.numUsers() != users.length) {
      throw new IllegalArgumentException(
          "partition covers " + partition.numUsers() + " users, the data has " + users.length);
    }
    Map<Integer, Integer> clientOf = new HashMap<>();
    for (int i = 0; i < users.length; i++) {
      clientOf.put(users[i], partition.client(i));
    }
    int k = partition.numClients();
    List<List<Example>> train = lists(k);
    List<List<Example>> valid = lists(k);
    List<List<RecSample>> validSamples = lists(k);
    List<List<RecSample>> test = lists(k);
    if (noisyClient >= partition.numClients()) {
      throw new IllegalArgumentException(
          "noisyClient must be < " + partition.numClients() + ", got " + noisyClient);
    }
    SplittableRandom noise = new SplittableRandom(noiseSeed);
    int items = data.dataset().numItems();
    for (RecSample s : PreparedData.samples(data.trainLlm())) {
      int c = clientOf.get(s.user());
      RecSample t = c == noisyClient ? corrupt(s, items, noise) : s;
      train.get(c).add(prompt.encode(t, PromptMode.TEXT).toExample());
    }
    for (RecSample s : PreparedData.samples(data.valid())) {
      List<Example> v = valid.get(clientOf.get(s.user()));
      if (evalUsersPerClient == 0 || v.size() < evalUsersPerClient) {
        v.add(prompt.encode(s, PromptMode.TEXT).toExample());
        validSamples.get(clientOf.get(s.user())).add(s);
      }
    }
    for (CandidateExample c : data.test()) {
      List<RecSample> t = test.get(clientOf.get(c.example().user()));
      if (evalUsersPerClient == 0 || t.size() < evalUsersPerClient) {
        t.addAll(PreparedData.samples(List.of(c)));
      }
    }
    List<ClientData> out = new ArrayList<>(k);
    for (int c = 0; c < k; c++) {
      int[] mine = new int[partition.users(c).length];
      int[] idx = partition.users(c);
      for (int i = 0; i < idx.length; i++) {
        mine[i] = users[idx[i]];
      }
      out.add(
          new ClientData(
              clientId(c), mine, train.get(c), valid.get(c), test.get(c), validSamples.get(c)));
    }
    return out;
  }

  /** {@code s} with its target replaced by a random item outside its history and candidates. */
  static RecSample corrupt(RecSample s, int items, SplittableRandom r) {
    Set<Integer> taken = new HashSet<>();
    for (int i : s.history()) {
      taken.add(i);
    }
    int[] candidates = s.candidates();
    for (int i : candidates) {
      taken.add(i);
    }
    if (taken.size() >= items) {
      throw new IllegalArgumentException("no item left to corrupt the target of user " + s.user());
    }
    int item;
    do {
      item = 1 + r.nextInt(items);
    } while (taken.contains(item));
    candidates[s.targetIndex()] = item;
    return new RecSample(s.user(), s.history(), candidates, item);
  }

  private static <T> List<List<T>> lists(int k) {
    List<List<T>> out = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      out.add(new ArrayList<>());
    }
    return out;
  }
}
