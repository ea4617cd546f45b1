/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Example;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.federated.sim.InMemoryGrid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two clients train concurrently against one server model that holds one middle adapter per client:
 * each client's run equals its own ordinary LoRA training.
 */
class SplitMultiClientTest {
  private static final int STEPS = 4;

  @Test
  void twoClientsShareTheServerModelWithOneAdapterEach() throws Exception {
    List<Example> aliceData = SplitFixture.data();
    List<Example> bobData = new ArrayList<>(SplitFixture.data());
    java.util.Collections.reverse(bobData);
    bobData.add(Example.completion(new long[] {1, 50, 51, 52, 53, 5}, new long[] {47}));
    SplitFixture.Reference aliceRef = SplitFixture.reference(STEPS, true, aliceData);
    SplitFixture.Reference bobRef = SplitFixture.reference(STEPS, true, bobData);
    SplitConfig split = SplitConfig.of(4, 1);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel serverModel = SplitFixture.llama(m);
        LoraModel serverLora = LoraModel.of(serverModel, m);
        LlamaModel aliceModel = SplitFixture.llama(m);
        LoraModel aliceLora = SplitFixture.lora(aliceModel, m);
        LlamaModel bobModel = SplitFixture.llama(m);
        LoraModel bobLora = SplitFixture.lora(bobModel, m)) {
      // the initial values depend on the adapter name: start both from the reference's
      serverLora.add("alice", SplitFixture.LORA, 5);
      serverLora.add("bob", SplitFixture.LORA, 5);
      LoraParameters.load(serverLora, "alice", aliceRef.initial());
      LoraParameters.load(serverLora, "bob", bobRef.initial());
      try (SplitClientApp alice =
              new SplitClientApp(
                  aliceModel,
                  aliceLora,
                  SplitFixture.ADAPTER,
                  aliceData,
                  split,
                  SplitFixture.clientConfig(true));
          SplitClientApp bob =
              new SplitClientApp(
                  bobModel,
                  bobLora,
                  SplitFixture.ADAPTER,
                  bobData,
                  split,
                  SplitFixture.clientConfig(true));
          InMemoryGrid grid = new InMemoryGrid(Map.of("alice", alice, "bob", bob), 2);
          SplitServer forAlice = server(grid, "alice", serverModel, serverLora, split);
          SplitServer forBob = server(grid, "bob", serverModel, serverLora, split)) {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
          Future<List<SplitStepResult>> a = pool.submit(() -> forAlice.train(STEPS));
          Future<List<SplitStepResult>> b = pool.submit(() -> forBob.train(STEPS));
          check(a.get(), aliceRef);
          check(b.get(), bobRef);
        } finally {
          pool.shutdownNow();
        }
        assertThat(
                SplitEquivalenceTest.maxAbsDiff(
                    SplitParameters.read(serverLora, "alice", split, false),
                    SplitEquivalenceTest.part(aliceRef.adapter(), split, false)))
            .isLessThan(1e-5);
        assertThat(
                SplitEquivalenceTest.maxAbsDiff(
                    SplitParameters.read(serverLora, "bob", split, false),
                    SplitEquivalenceTest.part(bobRef.adapter(), split, false)))
            .isLessThan(1e-5);
        assertThat(
                SplitEquivalenceTest.maxAbsDiff(
                    SplitParameters.read(bobLora, SplitFixture.ADAPTER, split, true),
                    SplitEquivalenceTest.part(bobRef.adapter(), split, true)))
            .isLessThan(1e-5);
        // the two clients' runs differ, so sharing the server model mixed nothing up
        assertThat(
                SplitEquivalenceTest.maxAbsDiff(
                    SplitParameters.read(serverLora, "alice", split, false),
                    SplitParameters.read(serverLora, "bob", split, false)))
            .isGreaterThan(1e-4);
      }
    }
  }

  private static SplitServer server(
      InMemoryGrid grid, String id, LlamaModel model, LoraModel lora, SplitConfig split) {
    return new SplitServer(
        grid,
        id,
        model,
        lora,
        id,
        SplitServerConfig.builder()
            .setSplit(split)
            .setLearningRate(SplitFixture.LR)
            .optWeightDecay(SplitFixture.WEIGHT_DECAY)
            .optStageDeadline(Duration.ofSeconds(30))
            .build());
  }

  private static void check(List<SplitStepResult> got, SplitFixture.Reference ref) {
    assertThat(got).hasSize(STEPS);
    for (int i = 0; i < STEPS; i++) {
      assertThat(got.get(i).loss()).isCloseTo(ref.losses()[i], within(1e-5));
    }
  }
}
