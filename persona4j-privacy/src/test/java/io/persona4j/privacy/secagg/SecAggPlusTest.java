/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.Messages.Result;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SecAgg+ (Bell et al., CCS 2020): the same protocol over a sparse Harary communication graph. */
class SecAggPlusTest {
  private static final int N = 10;
  private static final int K = 4;
  private final CommunicationGraph graph = CommunicationGraph.harary(N, K, 42);
  private final SecAggConfig config =
      new SecAggConfig(N, 3, 5, new FixedPoint(1.0, 1 << 10, 1L << 32), graph);

  private static float[][] inputs(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[N + 1][5];
    for (int i = 1; i <= N; i++) {
      for (int j = 0; j < 5; j++) {
        x[i][j] = (float) (r.nextDouble() * 2 - 1);
      }
    }
    return x;
  }

  private long[] plainSum(float[][] x, Iterable<Integer> included) {
    long[] acc = new long[5];
    for (int i : included) {
      config.fixedPoint().addInto(acc, config.fixedPoint().encode(x[i]));
    }
    return acc;
  }

  @Test
  void hararyGraphIsSymmetricAndRegular() {
    for (int u = 1; u <= N; u++) {
      assertThat(graph.neighbors(u)).hasSize(K).doesNotContain(u);
      for (int v : graph.neighbors(u)) {
        assertThat(graph.neighbors(v)).contains(u);
      }
    }
    assertThat(graph.minNeighborhood()).isEqualTo(K + 1);
    boolean differs = false;
    CommunicationGraph other = CommunicationGraph.harary(N, K, 43);
    for (int u = 1; u <= N; u++) {
      differs |= !other.neighbors(u).equals(graph.neighbors(u));
    }
    assertThat(differs).isTrue();
    assertThatThrownBy(() -> CommunicationGraph.harary(N, 3, 1)).hasMessageContaining("degree");
    // threshold is relative to the neighbourhood of 5: (2, 5]
    assertThatThrownBy(() -> new SecAggConfig(N, 6, 5, config.fixedPoint(), graph))
        .hasMessageContaining("= (2, 5]")
        .hasMessageContaining("got 6");
  }

  @Test
  void exactSumWithNeighbourOnlyTraffic() {
    float[][] x = inputs(1);
    SecAggHarness h = new SecAggHarness(config, Map.of(), 1);
    // Step the first client by hand to see its message sizes.
    Result r = h.run(x);
    assertThat(r.encodedSum()).containsExactly(plainSum(x, r.included()));
    assertThat(r.included()).hasSize(N);

    SecAggServer server = new SecAggServer(config);
    SecAggClient[] c = new SecAggClient[N + 1];
    for (int i = 1; i <= N; i++) {
      c[i] = new SecAggClient(config, i);
      server.receive(c[i].advertiseKeys());
    }
    var dir = server.closeAdvertiseKeys();
    for (int i = 1; i <= N; i++) {
      var sk = c[i].shareKeys(dir);
      assertThat(sk.ciphertexts().keySet()).isEqualTo(graph.neighbors(i));
      server.receive(sk);
    }
    server.closeShareKeys();
    for (int i = 1; i <= N; i++) {
      var d = server.deliveryFor(i);
      assertThat(d.ciphertextsBySender().keySet()).isEqualTo(graph.neighbors(i));
      server.receive(c[i].maskedInput(d, x[i]));
    }
    var survivors = server.closeMaskedInput();
    for (int i = 1; i <= N; i++) {
      var u = c[i].unmask(survivors);
      assertThat(u.selfMaskSeedShares()).hasSize(K + 1);
      server.receive(u);
    }
    assertThat(server.closeUnmasking().encodedSum())
        .containsExactly(plainSum(x, survivors.maskedInputSenders()));
  }

  @Test
  void randomDropoutsOfAtMostTwoYieldTheExactSum() {
    Stage[] stages = {Stage.ADVERTISE_KEYS, Stage.SHARE_KEYS, Stage.MASKED_INPUT, Stage.UNMASKING};
    SplittableRandom r = new SplittableRandom(8);
    float[][] x = inputs(2);
    for (int run = 0; run < 24; run++) {
      Map<Integer, Stage> plan = new HashMap<>();
      int drops = 1 + r.nextInt(2);
      while (plan.size() < drops) {
        plan.put(1 + r.nextInt(N), stages[r.nextInt(4)]);
      }
      SecAggHarness h = new SecAggHarness(config, plan, run);
      Result res = h.run(x);
      assertThat(res.encodedSum()).as("plan %s", plan).containsExactly(plainSum(x, h.sentInput));
    }
  }

  @Test
  void abortsWhenOneNeighbourhoodFallsBelowThreshold() {
    // Three of client 1's four neighbours vanish at unmasking: 7 of 10 respond (above t = 3
    // globally) but only 2 holders of client 1's self-mask seed remain.
    Map<Integer, Stage> plan = new HashMap<>();
    int dropped = 0;
    for (int v : graph.neighbors(1)) {
      if (dropped++ < 3) {
        plan.put(v, Stage.UNMASKING);
      }
    }
    SecAggHarness h = new SecAggHarness(config, plan, 3);
    assertThatThrownBy(() -> h.run(inputs(3)))
        .isInstanceOf(SecAggAbortedException.class)
        .hasMessageContaining("2 shares of the self-mask seed of client 1, threshold is 3");
    assertThat(h.server.stage()).isEqualTo(Stage.ABORTED);
  }
}
