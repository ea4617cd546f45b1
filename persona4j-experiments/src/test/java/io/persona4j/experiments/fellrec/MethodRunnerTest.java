/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

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
import io.persona4j.experiments.common.BaseModelPreset;
import io.persona4j.experiments.common.DataSelection;
import io.persona4j.experiments.common.FinetunePreset;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.lora.LoraClientApp;
import io.persona4j.federated.lora.LoraClientConfig;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.federated.strategy.FellRec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The methods' training paths on a tiny random Llama with two clients. */
class MethodRunnerTest {
  static final long SEED = 5;
  static NDManager manager;
  static LlamaModel model;
  static LoraModel lora;
  static List<ClientData> clients;
  static FellRecPreset preset;
  static ParameterSet init;

  @BeforeAll
  static void setUp() throws Exception {
    manager = TensorRuntime.newManager();
    LlamaConfig c = ModelInit.decoderConfig("llama", 3, 32, 4, 2, 61, 0, 64);
    model =
        LlamaModel.load(
            c, WeightSource.ofFloats("random", RandomWeights.llama(c, 7, 0.2f)), manager);
    lora = LoraModel.of(model, manager);
    LoraConfig config =
        LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build();
    clients = List.of(client(0), client(1));
    for (ClientData d : clients) {
      lora.add(d.id(), config, 1);
    }
    lora.add(MethodRunner.CENTRAL, config, 1);
    lora.add("init", config, SEED);
    // A non-zero B, so that every tensor has gradients from the first step on.
    ParameterSet zeroB = LoraParameters.read(lora, "init");
    float[] flat = zeroB.flatten();
    for (int i = 0; i < flat.length; i++) {
      flat[i] = flat[i] == 0 ? 0.01f * ((i % 7) - 3) : flat[i];
    }
    init = zeroB.withFlatValues(flat);
    lora.delete("init");
    preset =
        FellRecPreset.builder()
            .setName("test")
            .optSelection(DataSelection.ALL)
            .optEvalUsersPerClient(0)
            .optClients(2)
            .optSeeds(List.of(SEED))
            .optSasrecEpochs(1)
            .setBase(
                BaseModelPreset.builder()
                    .setLayers(3)
                    .setHidden(32)
                    .optHeads(4)
                    .optKvHeads(2)
                    .setVocab(61)
                    .optMaxLen(64)
                    .setSteps(1)
                    .optBatch(1)
                    .optLr(1e-3)
                    .build())
            .optRounds(2)
            .setFinetune(
                FinetunePreset.builder()
                    .setSteps(3)
                    .optBatch(2)
                    .optLr(2e-2)
                    .optRank(4)
                    .optAlpha(8)
                    .optDropout(0)
                    .optMaxPrompt(64)
                    .optEvalBatch(4)
                    .build())
            .optClientLayers(0)
            .optProxMu(0.1)
            .optFellrec(FellRec.Config.defaults())
            .optMaxNewTokens(4)
            .build();
  }

  @AfterAll
  static void tearDown() {
    lora.close();
    model.close();
    manager.close();
  }

  /** Client k: items 4k..4k+3, prompt [1, 10 + item, 5], answer 40 + item % 3. */
  static ClientData client(int k) {
    List<Example> train = new ArrayList<>();
    for (int item = 4 * k; item < 4 * k + 4; item++) {
      train.add(Example.completion(new long[] {1, 10 + item, 5}, new long[] {40 + item % 3}));
    }
    return new ClientData(
        ClientSplit.clientId(k), new int[] {k}, train, train.subList(0, 2), List.of());
  }

  static MethodRunner runner() {
    return new MethodRunner(model, lora, clients, preset, 0);
  }

  @Test
  void centralizedThroughTheServerEqualsPlainLoraTrainingOnAllData() throws Exception {
    MethodRunner.Run run = runner().run(Method.CENTRALIZED, SEED, init);
    assertThat(run.messages()).isEqualTo(preset.rounds());
    assertThat(run.aggregationShift()).isZero();

    List<Example> all = new ArrayList<>();
    clients.forEach(d -> all.addAll(d.train()));
    LoraClientApp plain =
        new LoraClientApp(
            model,
            lora,
            MethodRunner.CENTRAL,
            all,
            LoraClientConfig.builder()
                .setLearningRate(preset.finetune().lr())
                .setLocalSteps(Math.toIntExact(preset.finetune().steps() * clients.size()))
                .optMicroBatchSize(preset.finetune().batch())
                .optSeed(SEED * 31 + 997)
                .build());
    ParameterSet p = init;
    for (int round = 1; round <= preset.rounds(); round++) {
      p = plain.fit(Instruction.fit(round, MethodRunner.CENTRAL, p, Map.of())).parameters();
    }
    assertThat(p.distance(init)).isGreaterThan(1e-3);
    for (ClientData d : clients) {
      assertThat(run.finalParameters().get(d.id())).isEqualTo(p);
    }
  }

  @Test
  void localOnlySendsNothingAndEachClientLearnsAlone() throws Exception {
    MethodRunner.Run run = runner().run(Method.LOCAL_ONLY, SEED, init);
    assertThat(run.messages()).isZero();
    assertThat(run.bytesDown() + run.bytesUp()).isZero();
    assertThat(run.validLoss()).hasSize(preset.rounds());
    for (int c = 0; c < clients.size(); c++) {
      LoraClientApp alone = runner().trainingClient(c, SEED);
      ParameterSet p = init;
      for (int round = 1; round <= preset.rounds(); round++) {
        Reply r = alone.fit(Instruction.fit(round, clients.get(c).id(), p, Map.of()));
        p = r.parameters();
      }
      assertThat(run.finalParameters().get(clients.get(c).id())).isEqualTo(p);
    }
    assertThat(run.finalParameters().get(clients.get(0).id()))
        .isNotEqualTo(run.finalParameters().get(clients.get(1).id()));
  }

  @Test
  void fedAvgSharesOneAdapterWhileFellRecPersonalizes() throws Exception {
    MethodRunner.Run avg = runner().run(Method.FEDAVG, SEED, init);
    assertThat(avg.messages()).isEqualTo((long) preset.rounds() * clients.size());
    assertThat(avg.aggregationShift()).isPositive();
    assertThat(avg.finalParameters().get(clients.get(0).id()))
        .isEqualTo(avg.finalParameters().get(clients.get(1).id()));

    MethodRunner.Run fell = runner().run(Method.FELLREC, SEED, init);
    assertThat(fell.messages()).isEqualTo((long) preset.rounds() * clients.size());
    assertThat(fell.aggregationShift()).isPositive();
    ParameterSet a = fell.finalParameters().get(clients.get(0).id());
    ParameterSet b = fell.finalParameters().get(clients.get(1).id());
    assertThat(a.names()).isEqualTo(init.names());
    assertThat(a).isNotEqualTo(b);
    // Only layers 0 and 1 (the middle; k = 0 keeps the last layer, 2, on the client) travel.
    assertThat(fell.bytesUp()).isLessThan(avg.bytesUp());
  }
}
