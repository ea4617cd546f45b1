/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.experiments.common.BaseModelPreset;
import io.persona4j.experiments.common.DataSelection;
import io.persona4j.experiments.common.FinetunePreset;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.federated.split.SplitProtocol;
import io.persona4j.federated.strategy.FellRec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Method#FELLREC_SPLIT} on a tiny random 3-layer Llama with two clients and k = 1 (layers 0
 * and 2 on the clients, layer 1 on the server).
 */
class SplitLearningFellRecTest {
  static final long SEED = 5;

  /** A model with one adapter per client, all starting from {@code init}. */
  record Rig(NDManager manager, LlamaModel model, LoraModel lora, ParameterSet init)
      implements AutoCloseable {
    static Rig of(double dropout) throws Exception {
      NDManager m = TensorRuntime.newManager();
      LlamaConfig c = ModelInit.decoderConfig("llama", 3, 32, 4, 2, 61, 0, 64);
      LlamaModel model =
          LlamaModel.load(c, WeightSource.ofFloats("random", RandomWeights.llama(c, 7, 0.2f)), m);
      LoraModel lora = LoraModel.of(model, m);
      LoraConfig config =
          LoraConfig.builder()
              .optR(4)
              .optAlpha(8)
              .optDropout(dropout)
              .optTargets("q_proj", "v_proj")
              .build();
      for (ClientData d : CLIENTS) {
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
      lora.delete("init");
      return new Rig(m, model, lora, zeroB.withFlatValues(flat));
    }

    MethodRunner runner(FellRecPreset preset, double maxGradNorm) {
      return new MethodRunner(model, lora, CLIENTS, preset, 0, maxGradNorm);
    }

    @Override
    public void close() {
      lora.close();
      model.close();
      manager.close();
    }
  }

  static final List<ClientData> CLIENTS =
      List.of(MethodRunnerTest.client(0), MethodRunnerTest.client(1));

  static FellRecPreset preset(int clientLayers) {
    return FellRecPreset.builder()
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
        .optClientLayers(clientLayers)
        .optProxMu(0.1)
        .optFellrec(FellRec.Config.defaults())
        .optMaxNewTokens(4)
        .build();
  }

  static double maxAbsDiff(ParameterSet a, ParameterSet b) {
    assertThat(a.names()).isEqualTo(b.names());
    float[] x = a.flatten();
    float[] y = b.flatten();
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs(x[i] - y[i]));
    }
    return max;
  }

  /** A bound small enough that every split step of these tests clips (asserted). */
  static final double CLIP = 0.05;

  @Test
  void splitLearningEqualsAdapterLevelFellRecForTwoRounds() throws Exception {
    assertSplitEqualsAdapterLevel(0.0, 0);
  }

  @Test
  void equalityHoldsWithLoraDropoutToo() throws Exception {
    assertSplitEqualsAdapterLevel(0.1, 0);
  }

  @Test
  void equalityHoldsWithGlobalNormClippingOn() throws Exception {
    assertSplitEqualsAdapterLevel(0.1, CLIP);
  }

  /**
   * The runner's maxGradNorm reaches the split steps: every step sends a clip_step with a scale
   * below 1 (the global norm exceeded the bound), and the result differs from unclipped training.
   */
  @Test
  void theRunnersBoundClipsEverySplitStep() throws Exception {
    FellRecPreset preset = preset(1);
    List<Reply> received = new ArrayList<>();
    List<Instruction> sent = new ArrayList<>();
    try (Rig rig = Rig.of(0.0)) {
      MethodRunner.Run viaRunner =
          rig.runner(preset, CLIP).run(Method.FELLREC_SPLIT, SEED, rig.init());
      MethodRunner.Run unclipped =
          rig.runner(preset, 0).run(Method.FELLREC_SPLIT, SEED, rig.init());
      MethodRunner.Run direct =
          new SplitLearningFellRec(rig.model(), rig.lora(), CLIENTS, preset, 0, CLIP)
              .withWire(g -> new Recording(g, sent, received))
              .run(SEED, rig.init(), (round, full) -> 1.0);
      List<Double> scales = new ArrayList<>();
      for (Instruction in : sent) {
        if ("clip_step".equals(in.config().get(SplitProtocol.STAGE))) {
          scales.add(((Number) in.config().get(SplitProtocol.CLIP_SCALE)).doubleValue());
        }
      }
      assertThat(scales)
          .hasSize(Math.toIntExact(preset.rounds() * CLIENTS.size() * preset.finetune().steps()));
      assertThat(scales).allSatisfy(x -> assertThat(x).isGreaterThan(0).isLessThan(1));
      for (Reply r : received) {
        assertThat(Set.of(Reply.LOSS, SplitProtocol.GRAD_SQUARED_NORM))
            .containsAll(r.metrics().keySet());
      }
      for (ClientData d : CLIENTS) {
        ParameterSet v = viaRunner.finalParameters().get(d.id());
        assertThat(maxAbsDiff(v, direct.finalParameters().get(d.id()))).isZero();
        assertThat(maxAbsDiff(v, unclipped.finalParameters().get(d.id())))
            .as("clipping changed %s's training", d.id())
            .isGreaterThan(1e-5);
      }
    }
  }

  /**
   * The same seeds, data order, fresh AdamW per round, dropout masks and clipping bound on both:
   * split learning must reach the adapter-level FELLRec's parameters for every client.
   */
  private static void assertSplitEqualsAdapterLevel(double dropout, double maxGradNorm)
      throws Exception {
    FellRecPreset preset = preset(1);
    try (Rig rig = Rig.of(dropout)) {
      MethodRunner.Run adapterLevel =
          rig.runner(preset, maxGradNorm).run(Method.FELLREC, SEED, rig.init());
      MethodRunner.Run split =
          rig.runner(preset, maxGradNorm).run(Method.FELLREC_SPLIT, SEED, rig.init());
      for (ClientData d : CLIENTS) {
        ParameterSet a = adapterLevel.finalParameters().get(d.id());
        ParameterSet s = split.finalParameters().get(d.id());
        assertThat(a.distance(rig.init())).as("trained").isGreaterThan(1e-3);
        double diff = maxAbsDiff(a, s);
        System.out.printf(
            "dropout %.2f, clip %.2f, %s: max |split - adapter-level| = %.3g, trained distance"
                + " %.4f%n",
            dropout, maxGradNorm, d.id(), diff, a.distance(rig.init()));
        assertThat(diff).as(d.id()).isLessThan(1e-4);
      }
      // personalized, not one global adapter
      assertThat(
              maxAbsDiff(
                  split.finalParameters().get(CLIENTS.get(0).id()),
                  split.finalParameters().get(CLIENTS.get(1).id())))
          .isGreaterThan(1e-3);
      for (int r = 0; r < preset.rounds(); r++) {
        assertThat(split.validLoss()[r]).isCloseTo(adapterLevel.validLoss()[r], within(1e-4));
      }
      assertThat(split.aggregationShift())
          .isCloseTo(adapterLevel.aggregationShift(), within(1e-4))
          .isGreaterThan(1e-6);
      // 3 stages per step (4 with clipping); the adapter-level method sends one instruction per
      // client per round
      assertThat(split.messages())
          .isEqualTo(
              (maxGradNorm > 0 ? 4L : 3L)
                  * preset.rounds()
                  * CLIENTS.size()
                  * preset.finetune().steps());
      assertThat(adapterLevel.messages()).isEqualTo((long) preset.rounds() * CLIENTS.size());
      assertThat(split.bytesUp()).isPositive();
      assertThat(split.bytesDown()).isPositive();
    }
  }

  @Test
  void theServerReceivesOnlyActivationsGradientsAndLosses() throws Exception {
    FellRecPreset preset = preset(1);
    List<Reply> received = new ArrayList<>();
    List<Instruction> sent = new ArrayList<>();
    try (Rig rig = Rig.of(0.0)) {
      SplitLearningFellRec fellrec =
          new SplitLearningFellRec(rig.model(), rig.lora(), CLIENTS, preset, 0)
              .withWire(g -> new Recording(g, sent, received));
      MethodRunner.Run run = fellrec.run(SEED, rig.init(), (round, full) -> 1.0);
      assertThat(received).hasSize((int) run.messages());
      assertThat(sent).hasSize((int) run.messages());

      // The client-side LoRA (layers 0 and 2) at the start and end of training.
      List<float[]> clientTensors = new ArrayList<>();
      for (ParameterSet p : List.of(rig.init(), run.finalParameters().get(CLIENTS.get(0).id()))) {
        for (String name : p.names()) {
          if (!name.contains("layers.1.")) {
            clientTensors.add(p.values(name));
          }
        }
      }
      assertThat(clientTensors).hasSize(16); // 2 layers x 2 targets x (A, B) x 2 snapshots
      Set<String> allowedUp =
          Set.of(
              SplitProtocol.HIDDEN_FRONT, SplitProtocol.ATTENTION_MASK, SplitProtocol.GRAD_MIDDLE);
      int hidden = rig.model().config().hiddenSize();
      for (Reply r : received) {
        assertThat(r.isError()).as(String.valueOf(r.error())).isFalse();
        assertThat(allowedUp).containsAll(r.parameters().names());
        assertThat(Set.of(Reply.LOSS)).containsAll(r.metrics().keySet());
        for (String name : r.parameters().names()) {
          List<Integer> shape = r.parameters().spec(name).shape();
          float[] v = r.parameters().values(name);
          if (name.equals(SplitProtocol.ATTENTION_MASK)) {
            // the only [B, T] tensor, and it holds 0/1 only: no token ids, no labels
            assertThat(shape).hasSize(2);
            for (float x : v) {
              assertThat(x == 0f || x == 1f).as("mask value " + x).isTrue();
            }
          } else {
            assertThat(shape).hasSize(3);
            assertThat(shape.get(2)).isEqualTo(hidden);
          }
          for (float[] t : clientTensors) {
            assertThat(Arrays.equals(v, t))
                .as(name + " equals a client-side LoRA tensor")
                .isFalse();
          }
        }
      }
      // The server sends only its output and the gradient of the client's front output.
      Set<String> allowedDown = Set.of(SplitProtocol.HIDDEN_MIDDLE, SplitProtocol.GRAD_FRONT);
      for (Instruction in : sent) {
        assertThat(allowedDown).containsAll(in.parameters().names());
      }
      assertThat(received.stream().filter(r -> r.metrics().containsKey(Reply.LOSS)).count())
          .isEqualTo(
              2L * Math.toIntExact(preset.rounds() * CLIENTS.size() * preset.finetune().steps()));
    }
  }

  @Test
  void needsAtLeastOneFrontLayerOnTheClient() throws Exception {
    try (Rig rig = Rig.of(0.0)) {
      assertThatThrownBy(
              () -> new SplitLearningFellRec(rig.model(), rig.lora(), CLIENTS, preset(0), 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("clientLayers (k) >= 1")
          .hasMessageContaining("got clientLayers 0");
      assertThatThrownBy(
              () -> new MethodRunner(rig.model(), rig.lora(), CLIENTS, preset(1), 0, -1.0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxGradNorm must be >= 0, got -1.0");
    }
  }

  /** Records every instruction and every reply that crosses the grid. */
  private record Recording(Grid inner, List<Instruction> sent, List<Reply> received)
      implements Grid {
    @Override
    public List<String> clients() {
      return inner.clients();
    }

    @Override
    public RoundResult send(List<Instruction> instructions, Duration deadline) {
      sent.addAll(instructions);
      RoundResult r = inner.send(instructions, deadline);
      received.addAll(r.replies());
      return r;
    }
  }
}
