/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Sgd;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.privacy.DpSgdAccountant;
import io.persona4j.federated.privacy.DpSgdConfig;
import io.persona4j.federated.privacy.DpSgdResult;
import io.persona4j.federated.privacy.DpSgdTrainer;
import io.persona4j.federated.privacy.PerExampleClipping;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.dp.Clipping;
import io.persona4j.privacy.dp.RdpAccountant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DP-SGD on a LoRA adapter of a tiny random Llama. */
class DpSgdLoraTest {

  /** Data with a non-zero B so that every LoRA tensor has a non-zero gradient. */
  private static List<Example> data() {
    List<Example> d = new ArrayList<>(TinyLora.data(0));
    d.add(Example.completion(new long[] {1, 30, 31, 5}, new long[] {44}));
    return d;
  }

  private static TrainableParameters adapter(LoraModel lora) {
    lora.activate("u");
    // Give B a non-zero value so that A's gradient is not zero.
    for (NDArray a : lora.trainableParameters().values()) {
      if (a.getShape().get(1) == 4) { // B is [out, r]
        try (NDManager tmp = a.getManager().newSubManager()) {
          a.set(
              new ai.djl.ndarray.index.NDIndex("..."),
              tmp.randomNormal(0, 0.3f, a.getShape(), a.getDataType()));
        }
      }
    }
    return TrainableParameters.of(lora.trainableParameters());
  }

  private static Map<String, float[]> values(TrainableParameters p) {
    Map<String, float[]> out = new LinkedHashMap<>();
    p.asMap().forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }

  @Test
  void clippedSumEqualsNaivePerExampleGradientsClippedOnTheHost() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyLora.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("u", TinyLora.CONFIG, 3);
      TensorRuntime.engine().setRandomSeed(1);
      TrainableParameters params = adapter(lora);
      CausalLmObjective obj = CausalLmObjective.of(model);
      List<Example> batch = data();
      // Naive: one backward pass per example (its mean token loss), gradients copied to the host.
      List<float[]> flat = new ArrayList<>();
      double[] norms = new double[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        params.zeroGradients();
        try (NDManager em = m.newSubManager()) {
          Batch b = Batch.of(List.of(batch.get(i)), 0);
          try (GradientCollector c = TensorRuntime.engine().newGradientCollector()) {
            c.backward(obj.lossSum(b, em).div(em.create((float) b.targetCount())));
          }
          List<Float> all = new ArrayList<>();
          for (String name : params.names()) {
            for (float v : params.gradient(name, em).toFloatArray()) {
              all.add(v);
            }
          }
          float[] g = new float[all.size()];
          for (int j = 0; j < g.length; j++) {
            g[j] = all.get(j);
          }
          flat.add(g);
          norms[i] = Clipping.l2Norm(g);
        }
      }
      double[] sorted = norms.clone();
      Arrays.sort(sorted);
      double c = (sorted[1] + sorted[2]) / 2; // between the 2nd and 3rd norm: some clipped
      double[] expect = new double[flat.get(0).length];
      for (float[] g : flat) {
        float[] cl = Clipping.clipL2(g, c);
        for (int j = 0; j < cl.length; j++) {
          expect[j] += cl[j];
        }
      }
      PerExampleClipping clip = new PerExampleClipping(params, obj, 0);
      PerExampleClipping.ClippedSum s = clip.clippedSum(batch, c, m);
      assertThat(s.clipped()).isEqualTo(3);
      for (int i = 0; i < norms.length; i++) {
        assertThat(s.norms()[i]).isCloseTo(norms[i], within(1e-5 * norms[i]));
      }
      int j = 0;
      double maxAbs = 0;
      for (NDArray sum : s.sums().values()) {
        for (float v : sum.toFloatArray()) {
          assertThat((double) v).isCloseTo(expect[j], within(1e-5 + 1e-4 * Math.abs(expect[j])));
          maxAbs = Math.max(maxAbs, Math.abs(v));
          j++;
        }
      }
      assertThat(j).isEqualTo(expect.length);
      assertThat(maxAbs).isGreaterThan(1e-3); // not trivially zero
      params.freeze();
    }
  }

  /**
   * sigma = 0, C = infinity, q = 1 (every example in every batch): three DP-SGD steps with SGD land
   * on the same adapter as core's Trainer with plain SGD on full batches and no clipping.
   */
  @Test
  void withoutNoiseAndClippingDpSgdTrainsExactlyAsOrdinarySgd() throws Exception {
    List<Example> batch = data().subList(0, 4); // one target token each: both means agree
    Map<String, float[]> ordinary;
    Map<String, float[]> dp;
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyLora.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("u", TinyLora.CONFIG, 3);
      TensorRuntime.engine().setRandomSeed(1);
      TrainableParameters params = adapter(lora);
      try (Trainer t =
          Trainer.builder()
              .setParameters(params)
              .setObjective(CausalLmObjective.of(model))
              .setOptimizer(Sgd.builder().build())
              .setSchedule(LearningRateSchedule.constant(0.5))
              .setTrainData(batch)
              .setMaxSteps(3)
              .optMicroBatchSize(4)
              .optShuffle(false)
              .optMaxGradNorm(0)
              .build()) {
        t.train();
      }
      ordinary = values(params);
      params.freeze();
    }
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyLora.llama(m);
        LoraModel lora = LoraModel.of(model, m);
        Sgd sgd = Sgd.builder().build()) {
      lora.add("u", TinyLora.CONFIG, 3);
      TensorRuntime.engine().setRandomSeed(1);
      TrainableParameters params = adapter(lora);
      DpSgdConfig cfg =
          DpSgdConfig.builder()
              .setClipNorm(Double.POSITIVE_INFINITY)
              .setNoiseMultiplier(0)
              .setBatchSize(4)
              .setDelta(1e-5)
              .build();
      DpSgdResult r =
          new DpSgdTrainer(
                  params,
                  CausalLmObjective.of(model),
                  sgd,
                  LearningRateSchedule.constant(0.5),
                  batch,
                  cfg,
                  DpSgdAccountant.of(cfg, 4),
                  RandomSource.deterministicForTesting(0),
                  0)
              .train(3);
      assertThat(r.batchSizes()).containsExactly(4, 4, 4);
      assertThat(r.epsilon()).isInfinite(); // no noise: no privacy
      dp = values(params);
      params.freeze();
    }
    double moved = 0;
    for (String k : ordinary.keySet()) {
      float[] a = ordinary.get(k);
      float[] b = dp.get(k);
      for (int i = 0; i < a.length; i++) {
        assertThat(b[i]).isCloseTo(a[i], within(2e-5f));
      }
    }
    // And training did move the adapter (compare with a fresh one).
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyLora.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("u", TinyLora.CONFIG, 3);
      TensorRuntime.engine().setRandomSeed(1);
      Map<String, float[]> init = values(adapter(lora));
      for (String k : init.keySet()) {
        for (int i = 0; i < init.get(k).length; i++) {
          moved = Math.max(moved, Math.abs(init.get(k)[i] - dp.get(k)[i]));
        }
      }
    }
    assertThat(moved).isGreaterThan(1e-3);
  }

  @Test
  void loraClientWithDpSgdReportsEpsilonAcrossRoundsAndStopsAtItsBudget() throws Exception {
    List<Example> d = data().subList(0, 4);
    double q = 2.0 / 4;
    double sigma = 1.5;
    double e3 = RdpAccountant.epsilon(q, sigma, 3, 1e-5);
    double e5 = RdpAccountant.epsilon(q, sigma, 5, 1e-5);
    double e6 = RdpAccountant.epsilon(q, sigma, 6, 1e-5);
    DpSgdConfig dp =
        DpSgdConfig.builder()
            .setClipNorm(1.0)
            .setNoiseMultiplier(sigma)
            .setBatchSize(2)
            .setDelta(1e-5)
            .optEpsilonBudget((e5 + e6) / 2)
            .build();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyLora.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("u", TinyLora.CONFIG, 3);
      LoraClientApp app =
          new LoraClientApp(
              model,
              lora,
              "u",
              d,
              LoraClientConfig.builder()
                  .setLearningRate(1e-2)
                  .setLocalSteps(3)
                  .optDpSgd(dp)
                  .build(),
              RandomSource.deterministicForTesting(7));
      ParameterSet start = LoraParameters.read(lora, "u");
      Reply r1 = app.fit(Instruction.fit(1, "u", start, Map.of()));
      assertThat(r1.metrics().get(LoraClientApp.DP_STEPS)).isEqualTo(3.0);
      assertThat(r1.metrics().get(LoraClientApp.DP_EPSILON)).isCloseTo(e3, within(1e-9 * e3));
      assertThat(r1.parameters().values(r1.parameters().names().get(1)))
          .isNotEqualTo(start.values(start.names().get(1))); // B moved (noise alone moves it)
      Reply r2 = app.fit(Instruction.fit(2, "u", r1.parameters(), Map.of()));
      assertThat(r2.metrics().get(LoraClientApp.DP_STEPS)).isEqualTo(2.0); // 5 steps in all
      assertThat(r2.metrics().get(LoraClientApp.DP_EPSILON)).isCloseTo(e5, within(1e-9 * e5));
      assertThatThrownBy(() -> app.fit(Instruction.fit(3, "u", r2.parameters(), Map.of())))
          .hasMessageContaining("budget");
      // The same seed reproduces round 1 exactly (deterministic source); another seed differs.
      lora.add("v", TinyLora.CONFIG, 3);
      LoraClientApp again =
          new LoraClientApp(
              model,
              lora,
              "v",
              d,
              LoraClientConfig.builder()
                  .setLearningRate(1e-2)
                  .setLocalSteps(3)
                  .optDpSgd(dp)
                  .build(),
              RandomSource.deterministicForTesting(7));
      Reply r1b = again.fit(Instruction.fit(1, "v", start, Map.of()));
      String name = r1.parameters().names().get(1);
      assertThat(r1b.parameters().values(name)).containsExactly(r1.parameters().values(name));
    }
  }
}
