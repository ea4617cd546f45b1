/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.federated.Grid;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.sim.InMemoryGrid;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A split client and server, each with its own copy of the tiny model and adapter, connected by an
 * {@link InMemoryGrid} (optionally wrapped).
 */
final class SplitRig implements AutoCloseable {
  static final String CLIENT = "alice";

  final NDManager manager = TensorRuntime.newManager();
  final LlamaModel clientModel;
  final LoraModel clientLora;
  final LlamaModel serverModel;
  final LoraModel serverLora;
  final SplitClientApp client;
  final InMemoryGrid memory;
  final Grid grid;
  final SplitServer server;
  final SplitConfig split;

  SplitRig(SplitConfig split, boolean shuffle) throws IOException {
    this(split, split, shuffle, g -> g);
  }

  SplitRig(
      SplitConfig clientSplit, SplitConfig serverSplit, boolean shuffle, UnaryOperator<Grid> wrap)
      throws IOException {
    this(clientSplit, serverSplit, shuffle, wrap, 0);
  }

  /** Client and server clipping by the global gradient norm {@code maxGradNorm} (0: off). */
  SplitRig(
      SplitConfig clientSplit,
      SplitConfig serverSplit,
      boolean shuffle,
      UnaryOperator<Grid> wrap,
      double maxGradNorm)
      throws IOException {
    this(clientSplit, serverSplit, shuffle, wrap, maxGradNorm, SplitFixture.LORA);
  }

  /** As above, both parties' adapter built from {@code lora}. */
  SplitRig(
      SplitConfig clientSplit,
      SplitConfig serverSplit,
      boolean shuffle,
      UnaryOperator<Grid> wrap,
      double maxGradNorm,
      LoraConfig lora)
      throws IOException {
    this.split = serverSplit;
    clientModel = SplitFixture.llama(manager);
    clientLora = SplitFixture.lora(clientModel, manager, lora);
    serverModel = SplitFixture.llama(manager);
    serverLora = SplitFixture.lora(serverModel, manager, lora);
    client =
        new SplitClientApp(
            clientModel,
            clientLora,
            SplitFixture.ADAPTER,
            SplitFixture.data(),
            clientSplit,
            SplitFixture.clientConfig(shuffle, maxGradNorm));
    memory = new InMemoryGrid(Map.of(CLIENT, client), 1);
    grid = wrap.apply(memory);
    server =
        new SplitServer(
            grid,
            CLIENT,
            serverModel,
            serverLora,
            SplitFixture.ADAPTER,
            SplitServerConfig.builder()
                .setSplit(serverSplit)
                .setLearningRate(SplitFixture.LR)
                .optWeightDecay(SplitFixture.WEIGHT_DECAY)
                .optStageDeadline(Duration.ofSeconds(30))
                .optMaxGradNorm(maxGradNorm)
                .build());
  }

  /** The client's adapter tensors on its own layers. */
  ParameterSet clientPart() {
    return SplitParameters.read(clientLora, SplitFixture.ADAPTER, split, true);
  }

  /** The server's adapter tensors on its own layers. */
  ParameterSet serverPart() {
    return SplitParameters.read(serverLora, SplitFixture.ADAPTER, split, false);
  }

  @Override
  public void close() {
    server.close();
    client.close();
    memory.close();
    serverLora.close();
    clientLora.close();
    serverModel.close();
    clientModel.close();
    manager.close();
  }
}
