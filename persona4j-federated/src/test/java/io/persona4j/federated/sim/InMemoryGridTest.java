/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryGridTest {

  private static final ParameterSet P =
      ParameterSet.builder().add("x", new int[] {4}, new float[4]).build();

  /** Echoes the parameters after sleeping; tracks the peak number of concurrent calls. */
  static final class Echo implements ClientApp {
    final long sleepMs;
    final AtomicInteger running;
    final AtomicInteger peak;

    Echo(long sleepMs, AtomicInteger running, AtomicInteger peak) {
      this.sleepMs = sleepMs;
      this.running = running;
      this.peak = peak;
    }

    @Override
    public Reply fit(Instruction in) throws Exception {
      int now = running.incrementAndGet();
      peak.accumulateAndGet(now, Math::max);
      try {
        Thread.sleep(sleepMs);
        return Reply.ok(in, in.parameters(), 1, Map.of());
      } finally {
        running.decrementAndGet();
      }
    }

    @Override
    public Reply evaluate(Instruction in) {
      return Reply.ok(in, ParameterSet.empty(), 1, Map.of("acc", 1.0));
    }
  }

  @Test
  void manyVirtualClientsWithBoundedConcurrency() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    Map<String, ClientApp> apps = new TreeMap<>();
    List<Instruction> ins = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String id = "c" + i;
      apps.put(id, new Echo(2, running, peak));
      ins.add(Instruction.fit(1, id, P, Map.of()));
    }
    try (InMemoryGrid grid = new InMemoryGrid(apps, 16)) {
      RoundResult r = grid.send(ins, Duration.ofSeconds(30));
      assertThat(r.replies()).hasSize(500);
      assertThat(r.failures()).isEmpty();
      assertThat(peak.get()).isLessThanOrEqualTo(16).isGreaterThan(1);
      assertThat(r.stats())
          .hasSize(500)
          .allSatisfy(
              s -> {
                assertThat(s.bytesDown()).isEqualTo(P.byteSize());
                assertThat(s.bytesUp()).isEqualTo(P.byteSize());
                assertThat(s.localNanos()).isGreaterThanOrEqualTo(2_000_000L);
              });
    }
  }

  @Test
  void stragglersThrowersAndUnknownClientsAreFailures() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    ClientApp thrower =
        new ClientApp() {
          @Override
          public Reply fit(Instruction in) {
            throw new IllegalStateException("connection reset");
          }

          @Override
          public Reply evaluate(Instruction in) {
            throw new IllegalStateException("connection reset");
          }
        };
    Map<String, ClientApp> apps =
        Map.of(
            "fast",
            new Echo(0, running, peak),
            "slow",
            new Echo(10_000, running, peak),
            "bad",
            thrower);
    try (InMemoryGrid grid = new InMemoryGrid(apps, 8)) {
      assertThat(grid.clients()).containsExactly("bad", "fast", "slow");
      List<Instruction> ins = new ArrayList<>();
      for (String id : List.of("fast", "slow", "bad", "ghost")) {
        ins.add(Instruction.fit(1, id, P, Map.of()));
      }
      long t0 = System.nanoTime();
      RoundResult r = grid.send(ins, Duration.ofMillis(1000));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).isLessThan(5_000);
      assertThat(r.replies()).extracting(Reply::clientId).containsExactly("fast");
      assertThat(r.failures())
          .extracting(Failure::clientId, Failure::kind)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("slow", Failure.Kind.TIMEOUT),
              org.assertj.core.groups.Tuple.tuple("bad", Failure.Kind.DROPPED),
              org.assertj.core.groups.Tuple.tuple("ghost", Failure.Kind.UNKNOWN_CLIENT));
      assertThat(r.failures().get(1).reason()).contains("connection reset");
      // evaluation goes to ClientApp.evaluate
      RoundResult ev =
          grid.send(
              List.of(new Instruction(Instruction.Task.EVALUATE, 1, "fast", P, Map.of())),
              Duration.ofSeconds(5));
      assertThat(ev.replies().get(0).metrics()).containsEntry("acc", 1.0);
    }
  }
}
