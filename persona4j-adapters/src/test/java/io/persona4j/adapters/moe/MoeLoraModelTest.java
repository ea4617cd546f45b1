/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import static io.persona4j.adapters.moe.MoeFixtures.gateInputs;
import static io.persona4j.adapters.moe.MoeFixtures.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraLinear;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.adapters.lora.ParameterCounts;
import io.persona4j.adapters.lora.TinyModels;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mixture's forward pass against plain LoRA (an independent path: {@link LoraModel} with
 * ungated units) in the cases where they must agree, and its per-sequence gating.
 */
class MoeLoraModelTest {
  static final LoraConfig PLAIN =
      LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj", "down_proj").build();

  @Test
  void oneExpertEqualsPlainLoraWithTheSameAlphaOverR() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel moeModel = TinyModels.llama(m);
        LlamaModel plainModel = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(moeModel, m);
        LoraModel lora = LoraModel.of(plainModel, m)) {
      float[] base = TinyModels.logits(plainModel, m);
      moe.add("x", small(GateType.LINEAR).toBuilder().optNumExperts(1).build(), 1);
      MoeFixtures.randomize(moe, 3);
      lora.add("p", PLAIN, 9);
      MoeFixtures.copyUnits(moe.units(), lora.units("p"));
      assertThat(moe.units().values()).allSatisfy(u -> assertThat(u.scale()).isEqualTo(2.0));
      moe.setGateInput(gateInputs(m, 1, 8, 5));
      assertThat(moe.gate().toFloatArray()).containsExactly(1f);

      float[] mixture = TinyModels.logits(moeModel, m);
      float[] plain = TinyModels.logits(plainModel, m);
      double diff = TinyModels.maxAbsDiff(mixture, plain);
      System.out.printf("K = 1 vs plain LoRA: max |logit diff| = %.3g%n", diff);
      assertThat(diff).isLessThanOrEqualTo(1e-6);
      assertThat(TinyModels.maxAbsDiff(plain, base)).as("the adapter matters").isGreaterThan(0.1);
    }
  }

  @Test
  void oneHotGateEqualsPlainLoraOfThatExpertsBlockAtScaleAlphaOverExpertRank() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel moeModel = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(moeModel, m)) {
      moe.add("x", small(GateType.LINEAR), 1);
      MoeFixtures.randomize(moe, 3);
      float[][] perExpert = new float[2][];
      for (int k = 0; k < 2; k++) {
        float[] oneHot = new float[2];
        oneHot[k] = 1;
        moe.setGate(m.create(oneHot, new Shape(1, 2)));
        perExpert[k] = TinyModels.logits(moeModel, m);
        try (NDManager pm = TensorRuntime.newManager();
            LlamaModel plainModel = TinyModels.llama(pm);
            LoraModel lora = LoraModel.of(plainModel, pm)) {
          // rank r/K = 2 and lora_alpha = alpha: PEFT's scale alpha / 2 is the mixture's
          // alpha/(r/K)
          lora.add("p", PLAIN.toBuilder().optR(2).build(), 9);
          for (Map.Entry<String, LoraUnit> e : moe.units().entrySet()) {
            LoraUnit u = e.getValue();
            NDArray ak = u.a().get(new NDIndex("{}:{}", 2 * k, 2 * k + 2));
            NDArray bk = u.b().get(new NDIndex(":, {}:{}", 2 * k, 2 * k + 2));
            lora.units("p").get(e.getKey()).assign(ak, bk);
            assertThat(lora.units("p").get(e.getKey()).scale()).isEqualTo(u.scale()).isEqualTo(4);
          }
          double diff = TinyModels.maxAbsDiff(perExpert[k], TinyModels.logits(plainModel, pm));
          System.out.printf("one-hot expert %d vs plain rank-2 LoRA: max |diff| = %.3g%n", k, diff);
          assertThat(diff).isLessThanOrEqualTo(1e-5);
        }
      }
      assertThat(TinyModels.maxAbsDiff(perExpert[0], perExpert[1])).isGreaterThan(0.1);
    }
  }

  @Test
  void zeroInitializedBLeavesLogitsBitForBitUnchanged() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      float[] before = TinyModels.logits(model, m);
      List<String> targets = moe.add("x", MoeLoraConfig.builder().optGateDim(8).build(), 1);
      assertThat(targets).as("q/k/v/o/gate/up/down in 2 layers").hasSize(14);
      assertThat(moe.units().values())
          .allSatisfy(
              u -> {
                assertThat(u.rank()).isEqualTo(8);
                assertThat(u.scale()).isEqualTo(16.0);
                assertThat(u.b().toFloatArray()).containsOnly(0f);
                assertThat(TinyModels.maxAbs(u.a().toFloatArray())).isGreaterThan(0.05);
              });
      assertThat(moe.routerWeight().getShape()).isEqualTo(new Shape(4, 8));
      // nn.Linear's default init: uniform on ±1/sqrt(8)
      assertThat(TinyModels.maxAbs(moe.routerWeight().toFloatArray()))
          .isGreaterThan(0.2)
          .isLessThanOrEqualTo(1 / Math.sqrt(8));
      moe.setGateInput(gateInputs(m, 1, 8, 5));
      assertThat(TinyModels.logits(model, m)).containsExactly(before);
    }
  }

  /** iLoRA's defaults: r = 8, K = 4, alpha = 32; PEFT's alpha / r = 4 = 32 / 2 * 1/4. */
  @Test
  void uniformGateEqualsPlainLoraWithLoraAlphaAlphaAndSoDoesTheSavedPeftAdapter(@TempDir Path dir)
      throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel moeModel = TinyModels.llama(m);
        LlamaModel plainModel = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(moeModel, m);
        LoraModel lora = LoraModel.of(plainModel, m)) {
      MoeLoraConfig config = MoeLoraConfig.builder().optGateType(GateType.UNIFORM).build();
      moe.add("x", config, 1);
      MoeFixtures.randomize(moe, 3);
      LoraConfig peft = config.loraConfig();
      assertThat(peft.r()).isEqualTo(8);
      assertThat(peft.loraAlpha()).isEqualTo(32.0);
      lora.add("p", peft, 9);
      MoeFixtures.copyUnits(moe.units(), lora.units("p"));
      float[] plain = TinyModels.logits(plainModel, m);
      float[] uniform = TinyModels.logits(moeModel, m);
      double diff = TinyModels.maxAbsDiff(uniform, plain);
      System.out.printf("UNIFORM gate vs plain LoRA (alpha/r): max |diff| = %.3g%n", diff);
      assertThat(diff).isLessThanOrEqualTo(1e-6);
      moe.setGate(m.create(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, new Shape(1, 4)));
      assertThat(TinyModels.logits(moeModel, m)).containsExactly(uniform);

      moe.save(dir);
      lora.delete("p");
      lora.load(dir, "peft");
      assertThat(lora.config("peft").scale("model.layers.0.self_attn.q_proj")).isEqualTo(4.0);
      assertThat(TinyModels.maxAbsDiff(TinyModels.logits(plainModel, m), uniform))
          .as("the PEFT files alone are the uniform-gate model")
          .isLessThanOrEqualTo(1e-6);
    }
  }

  @Test
  void eachSequenceOfABatchGetsItsOwnGateAndEqualsRunningItAlone() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      moe.add("x", small(GateType.LINEAR), 1);
      MoeFixtures.randomize(moe, 3);
      NDArray inputs = gateInputs(m, 2, 8, 17);
      moe.setGateInput(inputs);
      float[] g = moe.gate().toFloatArray();
      assertThat(g[0] + g[1]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
      assertThat(g[2] + g[3]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
      assertThat(Math.abs(g[0] - g[2])).as("different gates per row").isGreaterThan(0.1f);
      float[] batch = MoeFixtures.logits(model, m, TinyModels.IDS, MoeFixtures.OTHER_IDS);
      int n = batch.length / 2;

      long[][] rows = {TinyModels.IDS, MoeFixtures.OTHER_IDS};
      float[][] alone = new float[2][];
      for (int i = 0; i < 2; i++) {
        moe.setGateInput(inputs.get(new NDIndex("{}:{}", i, i + 1)));
        alone[i] = MoeFixtures.logits(model, m, rows[i]);
        double diff = TinyModels.maxAbsDiff(MoeFixtures.slice(batch, i * n, n), alone[i]);
        System.out.printf("batch row %d vs alone: max |diff| = %.3g%n", i, diff);
        assertThat(diff).isLessThanOrEqualTo(1e-5);
      }
      // the gate matters: row 0 under row 1's gate is another result
      moe.setGateInput(inputs.get(new NDIndex("1:2")));
      assertThat(TinyModels.maxAbsDiff(MoeFixtures.logits(model, m, rows[0]), alone[0]))
          .isGreaterThan(1e-3);
    }
  }

  @Test
  void randomGateIsSeededFreshPerCallAndHasNoTrainableParameters() throws Exception {
    float[][] first = randomGates(21);
    float[][] again = randomGates(21);
    float[][] other = randomGates(22);
    for (int i = 0; i < 2; i++) {
      assertThat(again[i]).containsExactly(first[i]);
      assertThat(TinyModels.maxAbsDiff(other[i], first[i])).isGreaterThan(1e-3);
    }
    assertThat(TinyModels.maxAbsDiff(first[0], first[1])).as("fresh per call").isGreaterThan(1e-3);
    float[] g = first[0];
    for (int row = 0; row < 3; row++) {
      assertThat(g[2 * row] + g[2 * row + 1])
          .isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
    }
    assertThat(Math.abs(g[0] - g[2])).as("fresh per sequence").isGreaterThan(1e-3f);
  }

  /** Two random gates of a batch of 3 from a fresh mixture with {@code seed}. */
  static float[][] randomGates(long seed) throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      moe.add("x", small(GateType.RANDOM).toBuilder().optSeed(seed).build(), 1);
      assertThat(moe.routerWeight()).isNull();
      assertThat(moe.trainableParameters().router()).isEmpty();
      assertThat(moe.trainableParameters().experts()).hasSize(12);
      assertThat(moe.parameterCounts().trainable())
          .isEqualTo(expertParameterCount(moe.units().values()));
      float[][] out = new float[2][];
      for (int call = 0; call < 2; call++) {
        moe.setGateInput(gateInputs(m, 3, 8, 5));
        out[call] = moe.gate().toFloatArray();
      }
      return out;
    }
  }

  static long expertParameterCount(Iterable<LoraUnit> units) {
    long n = 0;
    for (LoraUnit u : units) {
      n += u.parameterCount();
    }
    return n;
  }

  @Test
  void parameterCountsAreRankRLoraPlusTheRouterAndParametersAreSplit() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LlamaModel plainModel = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m);
        LoraModel lora = LoraModel.of(plainModel, m)) {
      moe.add("x", small(GateType.LINEAR), 1);
      lora.add("p", PLAIN, 1);
      ParameterCounts plain = lora.parameterCounts();
      // q [32, 32], v [16, 32], down [32, 96] at r = 4 in 2 layers, plus the router 2 x 8
      long experts = 2 * 4 * ((32 + 32) + (32 + 16) + (96 + 32));
      assertThat(plain.trainable()).isEqualTo(experts).isEqualTo(1920);
      assertThat(moe.parameterCounts())
          .isEqualTo(new ParameterCounts(experts + 16, plain.total() + 16));

      MoeParameters params = moe.trainableParameters();
      assertThat(params.experts().keySet())
          .isEqualTo(
              lora.trainableParameters().keySet().stream()
                  .map(k -> k.replace(".p.", ".x."))
                  .collect(java.util.stream.Collectors.toSet()));
      assertThat(params.router()).containsOnlyKeys("moe_gate.x.router.weight");
      assertThat(params.router().get("moe_gate.x.router.weight")).isSameAs(moe.routerWeight());
      assertThat(params.routerLrMultiplier()).isEqualTo(0.3);
      assertThat(params.all()).hasSize(13);
      assertThat(params.all().values()).allSatisfy(p -> assertThat(p.hasGradient()).isTrue());

      moe.setTrainable(false);
      assertThat(moe.trainableParameters().all()).isEmpty();
      assertThat(moe.routerWeight().hasGradient()).isFalse();
      assertThat(moe.parameterCounts().trainable()).isZero();
    }
  }

  @Test
  void dropoutOnlyInTrainingMode() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      moe.add("x", small(GateType.UNIFORM).toBuilder().optDropout(0.5).build(), 1);
      MoeFixtures.randomize(moe, 3);
      float[] eval = TinyModels.logits(model, m);
      moe.train(true);
      float[] train = TinyModels.logits(model, m);
      moe.train(false);
      assertThat(TinyModels.maxAbsDiff(train, eval)).isGreaterThan(1e-3);
      assertThat(TinyModels.logits(model, m)).containsExactly(eval);
    }
  }

  @Test
  void misuseFailsWithClearErrors() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      assertThatThrownBy(() -> moe.setGateInput(gateInputs(m, 1, 8, 1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("add() or load()");
      assertThatThrownBy(
              () ->
                  moe.add("x", small(GateType.LINEAR).toBuilder().optTargets("c_attn").build(), 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("c_attn")
          .hasMessageContaining("q_proj");
      assertThat(model.linears().values()).noneMatch(LoraLinear.class::isInstance);

      moe.add("x", small(GateType.LINEAR), 1);
      assertThatThrownBy(() -> TinyModels.logits(model, m))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("LINEAR gate but none is set")
          .hasMessageContaining("setGateInput([B, 8])");
      assertThatThrownBy(() -> moe.setGateInput(gateInputs(m, 1, 7, 1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(1, 7)")
          .hasMessageContaining("gate_dim = 8");
      assertThatThrownBy(() -> moe.setGate(m.create(new float[] {1, 0, 0}, new Shape(1, 3))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("K = 2");

      moe.setGateInput(gateInputs(m, 2, 8, 1));
      assertThatThrownBy(() -> TinyModels.logits(model, m))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("batch of 2 sequences but the input has 1");
      try (NDManager batch = m.newSubManager()) {
        moe.setGateInput(gateInputs(batch, 1, 8, 1));
      }
      assertThat(moe.gate()).isNull();
      assertThatThrownBy(() -> TinyModels.logits(model, m))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("freed");

      LoraLinear q = (LoraLinear) model.linears().get("model.layers.0.self_attn.q_proj");
      assertThatThrownBy(() -> q.merge(List.of("x"), LoraLinear.UnmergeStrategy.RESTORE_COPY))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot be merged");
      assertThatThrownBy(() -> moe.add("y", small(GateType.LINEAR), 1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already holds mixture 'x'");
      moe.delete();
      assertThat(model.linears().values()).noneMatch(LoraLinear.class::isInstance);
    }
  }
}
