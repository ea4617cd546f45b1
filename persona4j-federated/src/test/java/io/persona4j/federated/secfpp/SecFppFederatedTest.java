/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.secfpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.prompt.SoftPromptConfig;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Example;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientSampler;
import io.persona4j.federated.FederatedServer;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.federated.ServerConfig;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.privacy.SecAggClientApp;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.cluster.AdaptiveClusteringConfig;
import io.persona4j.privacy.cluster.ClusterClient;
import io.persona4j.privacy.cluster.ClusterQuery;
import io.persona4j.privacy.cluster.SecureAggregator;
import io.persona4j.privacy.cluster.SecureKMeans;
import io.persona4j.privacy.encoding.FixedPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** SecFPP end to end on a tiny BERT: secure clustering, per-cluster secure P_G, message audit. */
class SecFppFederatedTest {
  static final BertConfig CONFIG =
      new BertConfig("bert", 60, 16, 2, 4, 32, "gelu", 40, 2, 1e-12, 0, "absolute", null, null);
  static final FixedPoint FP = new FixedPoint(1.0, 1 << 20, 1L << 62);
  static final Duration DEADLINE = Duration.ofMinutes(2);
  static final int N = 6;

  /** Domain A (clients 0-2): tokens 10-19 mean class 0; domain B: they mean class 1. */
  static List<Example> data(int client, int n, long seed) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed * 100 + client);
    List<Example> out = new ArrayList<>();
    boolean flip = client >= N / 2;
    for (int i = 0; i < n; i++) {
      int group = r.nextInt(2);
      long a = (group == 0 ? 10 : 20) + r.nextInt(10);
      long b = (group == 0 ? 10 : 20) + r.nextInt(10);
      out.add(Example.classification(new long[] {2, a, b, 3}, flip ? 1 - group : group));
    }
    return out;
  }

  static Map<String, SecFppClientApp> clients(BertModel bert, NDManager m) {
    Map<String, SecFppClientApp> apps = new TreeMap<>();
    for (int i = 0; i < N; i++) {
      SecFppClientConfig cfg = new SecFppClientConfig(0.05, 3, 6, 8, true, 4, 99, 10 + i, 0);
      apps.put(
          "c" + i,
          new SecFppClientApp(
              bert, SoftPromptConfig.random(2, 16), 5, 2, data(i, 12, 1), data(i, 8, 2), cfg, m));
    }
    return apps;
  }

  static Map<String, ClientApp> secured(Map<String, SecFppClientApp> apps) {
    Map<String, ClientApp> out = new TreeMap<>();
    int[] k = {0};
    apps.forEach(
        (id, app) ->
            out.put(
                id, new SecAggClientApp(app, RandomSource.deterministicForTesting(k[0]++ + 40))));
    return out;
  }

  /** Records every instruction sent and every reply received on the server side. */
  static final class Recorder implements Grid {
    final Grid inner;
    final List<Instruction> sent = new ArrayList<>();
    final List<Reply> received = new ArrayList<>();

    Recorder(Grid inner) {
      this.inner = inner;
    }

    @Override
    public List<String> clients() {
      return inner.clients();
    }

    @Override
    public synchronized RoundResult send(List<Instruction> instructions, Duration deadline) {
      sent.addAll(instructions);
      RoundResult r = inner.send(instructions, deadline);
      received.addAll(r.replies());
      return r;
    }
  }

  record Plain(List<ClusterClient> cs) implements SecureAggregator {
    @Override
    public int clients() {
      return cs.size();
    }

    @Override
    public double[] aggregate(ClusterQuery q) {
      double[] s = new double[q.contributionLength()];
      for (ClusterClient c : cs) {
        float[] x = c.contribution(q);
        for (int i = 0; i < s.length; i++) {
          s[i] += x[i];
        }
      }
      return s;
    }
  }

  @Test
  void secureClusteringThenPerClusterSecureAggregationKeepsLocalPartsLocal() throws Exception {
    AdaptiveClusteringConfig kc = new AdaptiveClusteringConfig(3, 2, 0.35, 3, 10, 3);
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert =
            BertModel.load(
                CONFIG, WeightSource.ofFloats("r", RandomWeights.bert(CONFIG, 4, 0.2f)), m)) {
      Map<String, SecFppClientApp> apps = clients(bert, m);
      Map<String, SecFppClientApp> twins = clients(bert, m); // same seeds, plain path
      Recorder rec;
      SecureKMeans.Result secure;
      Map<String, Integer> assignment;
      ServerState after;
      try (InMemoryGrid grid = new InMemoryGrid(secured(apps), 2)) {
        rec = new Recorder(grid);
        GridClusterAggregator agg =
            new GridClusterAggregator(rec, new ArrayList<>(apps.keySet()), FP, DEADLINE, 1);
        secure = new SecureKMeans(kc).fit(agg, 4);
        assignment = agg.assign(secure.chosen().centres());

        SecFppStrategy strategy = new SecFppStrategy(assignment, Map.of());
        ServerConfig sc =
            new ServerConfig(
                2,
                new ClientSampler(1.0, N, 1),
                N,
                DEADLINE,
                0,
                Double.POSITIVE_INFINITY,
                null,
                null);
        ParameterSet p0 = apps.get("c0").initialGlobal();
        after =
            new FederatedServer(new ClusteredSecureAggregationGrid(rec, FP, 1.0), strategy, sc)
                .run(ServerState.initial(p0));
      }

      // 1. The secure clustering equals plain k-means on the clients' own vectors.
      List<ClusterClient> plainClients = new ArrayList<>();
      for (SecFppClientApp app : twins.values()) {
        plainClients.add(new ClusterClient(app.domainVector()));
      }
      SecureKMeans.Result plain = new SecureKMeans(kc).fit(new Plain(plainClients), 4);
      assertThat(secure.chosen().k()).isEqualTo(plain.chosen().k());
      assertThat(secure.chosen().counts()).containsExactly(plain.chosen().counts());
      int i = 0;
      for (String id : apps.keySet()) {
        assertThat(assignment.get(id))
            .isEqualTo(plainClients.get(i++).nearest(plain.chosen().centres()));
        assertThat(apps.get(id).domainVector()).containsExactly(twins.get(id).domainVector());
      }

      // 2. Every member of a cluster holds its cluster's P_G; clusters differ when k > 1.
      for (String a : apps.keySet()) {
        for (String b : apps.keySet()) {
          if (assignment.get(a).equals(assignment.get(b))) {
            assertThat(after.parametersFor(a).flatten())
                .containsExactly(after.parametersFor(b).flatten());
          }
        }
      }

      // 3. Message audit: what the server side received never names or contains P_L or the head,
      // nor any client's P_G in clear; what it sent carries only P_G or public centres.
      List<float[]> secrets = new ArrayList<>();
      for (SecFppClientApp app : apps.values()) {
        secrets.add(app.prompt().localValues());
        secrets.add(app.head().parameters().get("classifier.weight").toFloatArray());
        assertThat(app.prompt().localValues()).isNotEqualTo(new float[32]); // P_L was trained
      }
      for (Reply r : rec.received) {
        for (String name : r.parameters().names()) {
          assertThat(name).doesNotContain("local").doesNotContain("classifier");
          assertThat(name).isNotEqualTo(SecFppWire.PROMPT_GLOBAL);
          assertThat(name).isNotEqualTo(SecFppWire.CONTRIBUTION);
        }
        float[] flat = r.parameters().flatten();
        for (float[] s : secrets) {
          assertThat(containsRun(flat, s, 4)).isFalse();
        }
      }
      for (Instruction in : rec.sent) {
        for (String name : in.parameters().names()) {
          assertThat(name)
              .isIn(SecFppWire.PROMPT_GLOBAL, SecFppWire.CENTRES, SecFppWire.CONTRIBUTION);
        }
      }

      // 4. The same two rounds over a plain grid (per-cluster means in clear) give the same P_G.
      ServerState plainAfter;
      try (InMemoryGrid grid = new InMemoryGrid(new TreeMap<>(twins), 2)) {
        ServerConfig sc =
            new ServerConfig(
                2,
                new ClientSampler(1.0, N, 1),
                N,
                DEADLINE,
                0,
                Double.POSITIVE_INFINITY,
                null,
                null);
        plainAfter =
            new FederatedServer(grid, new SecFppStrategy(assignment, Map.of()), sc)
                .run(ServerState.initial(twins.get("c0").initialGlobal()));
      }
      for (String id : apps.keySet()) {
        float[] a = after.parametersFor(id).flatten();
        float[] b = plainAfter.parametersFor(id).flatten();
        for (int j = 0; j < a.length; j++) {
          assertThat(a[j]).isCloseTo(b[j], within(1e-4f));
        }
      }
      apps.values().forEach(SecFppClientApp::close);
      twins.values().forEach(SecFppClientApp::close);
    }
  }

  /** Whether {@code hay} contains {@code run} consecutive values of {@code needle} exactly. */
  static boolean containsRun(float[] hay, float[] needle, int run) {
    for (int s = 0; s + run <= needle.length; s += run) {
      outer:
      for (int h = 0; h + run <= hay.length; h++) {
        for (int k = 0; k < run; k++) {
          if (Float.floatToIntBits(hay[h + k]) != Float.floatToIntBits(needle[s + k])) {
            continue outer;
          }
        }
        return true;
      }
    }
    return false;
  }
}
