/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Example;
import io.persona4j.federated.Grid;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.split.SplitClientApp;
import io.persona4j.federated.split.SplitClientConfig;
import io.persona4j.federated.split.SplitConfig;
import io.persona4j.federated.split.SplitParameters;
import io.persona4j.federated.split.SplitServer;
import io.persona4j.federated.split.SplitServerConfig;
import io.persona4j.federated.split.SplitStepResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Split learning over a loopback {@link GrpcGrid} gives exactly the in-memory result. */
class SplitOverGrpcTest {
  private static final String ID = "alice";
  private static final int STEPS = 3;
  private static final SplitConfig SPLIT = SplitConfig.of(4, 1);

  /** Losses, client part and server part of the adapter after {@link #STEPS} split steps. */
  record Run(
      List<Double> losses, ParameterSet client, ParameterSet server, long bytes, double lastNorm) {}

  private interface GridFactory {
    Grid open(SplitClientApp client) throws Exception;
  }

  private static Run run(GridFactory grids) throws Exception {
    return run(grids, 0);
  }

  /** As {@link #run(GridFactory)}, clipping by the global norm {@code clip} (0: off). */
  private static Run run(GridFactory grids, double clip) throws Exception {
    LlamaConfig c = ModelInit.decoderConfig("llama", 4, 32, 4, 2, 61, 0, 64);
    LoraConfig lc = LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build();
    List<Example> data =
        List.of(
            Example.completion(new long[] {1, 12, 5}, new long[] {40}),
            Example.completion(new long[] {1, 13, 14, 5}, new long[] {41, 42}),
            Example.completion(new long[] {1, 20, 21, 22, 5}, new long[] {43}));
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel cm =
            LlamaModel.load(c, WeightSource.ofFloats("w", RandomWeights.llama(c, 7, 0.2f)), m);
        LlamaModel sm =
            LlamaModel.load(c, WeightSource.ofFloats("w", RandomWeights.llama(c, 7, 0.2f)), m);
        LoraModel cl = LoraModel.of(cm, m);
        LoraModel sl = LoraModel.of(sm, m)) {
      cl.add("a", lc, 5);
      sl.add("a", lc, 5);
      try (SplitClientApp client =
          new SplitClientApp(
              cm,
              cl,
              "a",
              data,
              SPLIT,
              SplitClientConfig.builder()
                  .setLearningRate(0.02)
                  .setBatchSize(2)
                  .optSeed(3)
                  .optMaxGradNorm(clip)
                  .build())) {
        Grid grid = grids.open(client);
        try (SplitServer server =
            new SplitServer(
                grid,
                ID,
                sm,
                sl,
                "a",
                SplitServerConfig.builder()
                    .setSplit(SPLIT)
                    .setLearningRate(0.02)
                    .optStageDeadline(Duration.ofSeconds(30))
                    .optMaxGradNorm(clip)
                    .build())) {
          List<SplitStepResult> steps = server.train(STEPS);
          return new Run(
              steps.stream().map(SplitStepResult::loss).toList(),
              SplitParameters.read(cl, "a", SPLIT, true),
              SplitParameters.read(sl, "a", SPLIT, false),
              steps.stream().mapToLong(s -> s.bytesUp() + s.bytesDown()).sum(),
              server.lastGradientNorm());
        } finally {
          if (grid instanceof AutoCloseable closeable) {
            closeable.close();
          }
        }
      }
    }
  }

  @Test
  void splitStepsOverGrpcEqualSplitStepsInMemory() throws Exception {
    Run memory = run(client -> new InMemoryGrid(Map.of(ID, client), 1));
    GridHarness[] harness = new GridHarness[1];
    Run grpc =
        run(
            client -> {
              harness[0] = new GridHarness();
              harness[0].connect(ID, client);
              return harness[0].grid;
            });
    harness[0].close();
    assertThat(grpc.losses()).hasSize(STEPS).isEqualTo(memory.losses());
    assertThat(grpc.losses().get(STEPS - 1)).isNotEqualTo(grpc.losses().get(0));
    assertThat(grpc.client()).isEqualTo(memory.client());
    assertThat(grpc.server()).isEqualTo(memory.server());
    assertThat(grpc.server().names()).isNotEmpty();
    assertThat(grpc.bytes()).isPositive();
    System.out.printf(
        "split over gRPC: %d bytes in %d steps (in memory accounted %d)%n",
        grpc.bytes(), STEPS, memory.bytes());
  }

  @Test
  void clippedSplitStepsOverGrpcEqualClippedStepsInMemory() throws Exception {
    double clip = 0.01;
    Run memory = run(client -> new InMemoryGrid(Map.of(ID, client), 1), clip);
    GridHarness[] harness = new GridHarness[1];
    Run grpc =
        run(
            client -> {
              harness[0] = new GridHarness();
              harness[0].connect(ID, client);
              return harness[0].grid;
            },
            clip);
    harness[0].close();
    // the bound really clipped (the global norm over both parties exceeded it) ...
    assertThat(grpc.lastNorm()).isGreaterThan(clip);
    // ... so the result differs from unclipped training, and gRPC carried the squared norm and the
    // scale (clip_step) exactly as the in-memory grid did
    Run unclipped = run(client -> new InMemoryGrid(Map.of(ID, client), 1));
    assertThat(memory.client()).isNotEqualTo(unclipped.client());
    assertThat(grpc.losses()).isEqualTo(memory.losses());
    assertThat(grpc.client()).isEqualTo(memory.client());
    assertThat(grpc.server()).isEqualTo(memory.server());
    assertThat(grpc.lastNorm()).isEqualTo(memory.lastNorm());
  }
}
