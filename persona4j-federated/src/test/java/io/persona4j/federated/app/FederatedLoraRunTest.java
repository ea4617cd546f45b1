/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.train.JsonlDataset;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.FederatedRunException;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.privacy.DpConfig;
import io.persona4j.federated.privacy.PrivacyStack;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.privacy.RandomSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FederatedLoraRun} and the settings records: defaults, validation, the wire contract. */
class FederatedLoraRunTest {
  @TempDir static Path dir;
  static LoraBase base;
  static Path data;

  @BeforeAll
  static void setUp() throws IOException {
    base = new LoraBase(TinyFederation.model(dir));
    data = TinyFederation.data(dir);
  }

  @AfterAll
  static void tearDown() {
    base.close();
  }

  private static LoraSettings lora() {
    return LoraSettings.builder().setR(2).setAlpha(4).build();
  }

  private static FederatedLoraRun.Result run(
      FederatedLoraConfig config, Path out, boolean resume, List<String> progress)
      throws IOException {
    Map<String, ClientApp> clients = new TreeMap<>();
    for (String id : TinyFederation.CLIENTS) {
      ClientApp train =
          FederatedLoraClient.builder()
              .setBase(base)
              .setExamples(
                  FederatedLoraClient.readExamples(
                      base, data.resolve(id + ".jsonl"), 64, JsonlDataset.OnMalformed.FAIL))
              .build();
      clients.put(id, new PrivacyStack(train, RandomSource.secure()));
    }
    try (InMemoryGrid grid = new InMemoryGrid(clients, 1)) {
      return FederatedLoraRun.builder()
          .setConfig(config)
          .setBase(base)
          .setGrid(grid)
          .setOutput(out)
          .optResume(resume)
          .optProgress(progress::add)
          .build()
          .run();
    }
  }

  @Test
  void defaultsAreThoseOfServerJson() {
    FederatedLoraConfig c = FederatedLoraConfig.builder().setLora(lora()).build();
    assertThat(c.rounds()).isEqualTo(1);
    assertThat(c.strategy()).isEqualTo(AggregationStrategy.FEDAVG);
    assertThat(c.mu()).isZero();
    assertThat(c.minReplies()).isEqualTo(c.minClients()).isEqualTo(1);
    assertThat(c.roundDeadline()).isEqualTo(Duration.ofSeconds(600));
    assertThat(c.localSteps()).isEqualTo(1);
    assertThat(c.learningRate()).isEqualTo(1e-3);
    assertThat(c.batchSize()).isEqualTo(4);
    assertThat(c.maxUpdateNorm()).isInfinite();
    assertThat(c.secagg()).isEqualTo(SecAggSettings.NONE);
    assertThat(c.dp()).isNull();
    assertThat(lora().targets()).isEqualTo(LoraSettings.DEFAULT_TARGETS);
    FederatedLoraConfig prox =
        FederatedLoraConfig.builder()
            .setLora(lora())
            .optStrategy(AggregationStrategy.fromLabel("fedprox"))
            .build();
    assertThat(prox.mu()).isEqualTo(0.01);
    assertThat(SecAggSettings.Protocol.fromLabel("secagg+"))
        .isEqualTo(SecAggSettings.Protocol.SECAGG_PLUS);
  }

  @Test
  void errorsNameTheServerJsonFieldAndTheValue() {
    assertThatThrownBy(() -> LoraSettings.builder().setR(0).setAlpha(4).build())
        .hasMessage("field 'lora.r' must be an integer >= 1, got 0");
    assertThatThrownBy(() -> LoraSettings.builder().setR(2).build())
        .hasMessageContaining("'lora.alpha' is required");
    assertThatThrownBy(() -> FederatedLoraConfig.builder().setLora(lora()).optMu(0.5).build())
        .hasMessage("field 'mu' is only used by strategy fedprox, got 0.5");
    assertThatThrownBy(() -> FederatedLoraConfig.builder().setLora(lora()).optBatchSize(0).build())
        .hasMessage("field 'batchSize' must be >= 1, got 0");
    assertThatThrownBy(() -> AggregationStrategy.fromLabel("fedsgd"))
        .hasMessage("field 'strategy' must be fedavg or fedprox, got 'fedsgd'");
    assertThatThrownBy(() -> SecAggSettings.builder().optDegree(3).build())
        .hasMessageContaining("'secaggOptions.degree'");
    assertThatThrownBy(
            () ->
                FederatedLoraConfig.builder()
                    .setLora(lora())
                    .optSecAgg(
                        SecAggSettings.builder()
                            .optProtocol(SecAggSettings.Protocol.SECAGG)
                            .build())
                    .optDp(
                        DpSettings.builder()
                            .setClip(1)
                            .setNoiseMultiplier(1)
                            .setDelta(1e-5)
                            .optMode(DpConfig.NoiseMode.CENTRAL)
                            .build())
                    .build())
        .hasMessageContaining("'dp.mode'")
        .hasMessageContaining("use distributed");
    assertThatThrownBy(() -> DpSettings.builder().setClip(1).setNoiseMultiplier(1).build())
        .hasMessageContaining("'dp.delta' is required");
  }

  @Test
  void clientSettingsTravelInEveryInstructionAndAreCheckedOnArrival() {
    FederatedLoraConfig c =
        FederatedLoraConfig.builder().setLora(lora()).optLocalSteps(3).optSeed(9).build();
    Map<String, Object> config = c.clientSettings().toInstructionConfig();
    assertThat(config.keySet()).containsExactlyElementsOf(LoraClientSettings.KEYS);
    Instruction in = Instruction.fit(1, "alice", ParameterSet.empty(), config);
    assertThat(LoraClientSettings.fromInstruction(in)).isEqualTo(c.clientSettings());
    Map<String, Object> missing = new TreeMap<>(config);
    missing.remove(LoraClientSettings.BATCH_SIZE);
    assertThatThrownBy(
            () ->
                LoraClientSettings.fromInstruction(
                    Instruction.fit(2, "alice", ParameterSet.empty(), missing)))
        .hasMessageContaining("round 2 lacks 'batch_size'");
    Map<String, Object> bad = new TreeMap<>(config);
    bad.put(LoraClientSettings.LORA_R, 0);
    assertThatThrownBy(
            () ->
                LoraClientSettings.fromInstruction(
                    Instruction.fit(3, "alice", ParameterSet.empty(), bad)))
        .hasMessageContaining("instruction of round 3")
        .hasMessageContaining("'lora.r'");
  }

  @Test
  void aNormBoundBelowTheDpNoiseIsCalledOutBeforeRoundOne() throws IOException {
    // distributed DP without secure aggregation: each reply carries noise of norm about
    // z * clip * sqrt(d / n), far above a bound of 10 (the docs' example once had this)
    FederatedLoraConfig c =
        FederatedLoraConfig.builder()
            .setLora(lora())
            .optMinClients(3)
            .optMaxUpdateNorm(10)
            .optDp(
                DpSettings.builder()
                    .setClip(1)
                    .setNoiseMultiplier(1)
                    .setDelta(1e-5)
                    .optMode(DpConfig.NoiseMode.DISTRIBUTED)
                    .build())
            .build();
    List<String> progress = new ArrayList<>();
    assertThatThrownBy(() -> run(c, dir.resolve("noisy"), false, progress))
        .isInstanceOf(FederatedRunException.class)
        .hasMessageContaining("exceeds bound 10.0");
    assertThat(progress.get(0))
        .startsWith("warning: maxUpdateNorm 10.0 is below the norm of the DP noise")
        .contains("3 sampled clients");
    // with the bound the warning suggests, every reply is valid
    double suggested =
        Double.parseDouble(
            progress.get(0).replaceAll(".*raise maxUpdateNorm above (\\d+).*", "$1"));
    List<String> again = new ArrayList<>();
    FederatedLoraRun.Result r =
        run(
            FederatedLoraConfig.builder()
                .setLora(lora())
                .optMinClients(3)
                .optMaxUpdateNorm(suggested)
                .optDp(c.dp())
                .build(),
            dir.resolve("bounded"),
            false,
            again);
    assertThat(r.state().round()).isEqualTo(1);
    assertThat(again).noneMatch(l -> l.startsWith("warning")).anyMatch(l -> l.contains("3 ok"));
  }

  @Test
  void resumingAFinishedRunSaysSoAndRunsNoRound() throws IOException {
    FederatedLoraConfig c =
        FederatedLoraConfig.builder().setLora(lora()).optRounds(2).optMinClients(3).build();
    Path out = dir.resolve("finished");
    FederatedLoraRun.Result first = run(c, out, false, new ArrayList<>());
    byte[] adapter = Files.readAllBytes(first.adapter().resolve("adapter_model.safetensors"));
    List<String> progress = new ArrayList<>();
    FederatedLoraRun.Result resumed = run(c, out, true, progress);
    assertThat(progress.get(0)).startsWith("the run already finished all 2 rounds");
    assertThat(progress).noneMatch(l -> l.startsWith("round ")).noneMatch(l -> l.contains("NaN"));
    assertThat(resumed.state()).isEqualTo(first.state());
    assertThat(Files.readAllBytes(resumed.adapter().resolve("adapter_model.safetensors")))
        .isEqualTo(adapter);
    assertThatThrownBy(() -> run(c, dir.resolve("none"), true, new ArrayList<>()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--resume: no checkpoint in");
  }
}
