/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PEFT's initialization: A = kaiming_uniform_(a=sqrt(5)), B = 0; gaussian; init false. */
class LoraInitTest {
  @Test
  void kaimingBoundIsOneOverSqrtFanIn() {
    // torch: gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in)
    assertThat(LoraInit.kaimingUniformBound(16)).isCloseTo(0.25, within(1e-15));
    assertThat(LoraInit.kaimingUniformBound(4096)).isCloseTo(1.0 / 64, within(1e-15));
    assertThat(LoraInit.kaimingUniformBound(3)).isCloseTo(1 / Math.sqrt(3), within(1e-15));
  }

  @Test
  void samplesAreUniformOnTheBound() {
    int rows = 64;
    int cols = 1024;
    float[] w = LoraInit.kaimingUniform(rows, cols, new SplittableRandom(1));
    double bound = 1 / Math.sqrt(cols);
    double sum = 0;
    double sq = 0;
    double max = 0;
    for (float v : w) {
      sum += v;
      sq += (double) v * v;
      max = Math.max(max, Math.abs(v));
    }
    int n = w.length;
    double variance = bound * bound / 3; // of U(-b, b)
    assertThat(max).isLessThanOrEqualTo(bound).isGreaterThan(0.999 * bound);
    assertThat(Math.abs(sum / n)).isLessThan(5 * Math.sqrt(variance / n));
    // the sample variance's relative standard error is sqrt(0.8 / n) ~ 0.35% here
    assertThat(sq / n / variance).isCloseTo(1.0, within(0.02));
  }

  @Test
  void streamsDependOnSeedAdapterAndPathOnly() {
    float[] a = LoraInit.kaimingUniform(4, 8, LoraInit.stream(1, "x", "p.q_proj", "A"));
    assertThat(LoraInit.kaimingUniform(4, 8, LoraInit.stream(1, "x", "p.q_proj", "A")))
        .containsExactly(a);
    assertThat(LoraInit.kaimingUniform(4, 8, LoraInit.stream(2, "x", "p.q_proj", "A")))
        .isNotEqualTo(a);
    assertThat(LoraInit.kaimingUniform(4, 8, LoraInit.stream(1, "y", "p.q_proj", "A")))
        .isNotEqualTo(a);
    assertThat(LoraInit.kaimingUniform(4, 8, LoraInit.stream(1, "x", "p.v_proj", "A")))
        .isNotEqualTo(a);
  }

  @Test
  void injectedAdaptersUseTheirLayersFanInAndTheConfiguredInit() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m)) {
      LoraConfig config = LoraConfig.builder().optR(8).optTargets("q_proj", "down_proj").build();
      var layers = LoraInjector.inject(model, config, "k", 3);
      LoraUnit down = layers.get("model.layers.0.mlp.down_proj").unit("k");
      assertThat(TinyModels.maxAbs(down.a().toFloatArray()))
          .isLessThanOrEqualTo(1 / Math.sqrt(96))
          .isGreaterThan(0.9 / Math.sqrt(96));
      assertThat(down.b().toFloatArray()).containsOnly(0f);

      var gaussian =
          LoraInjector.inject(model, config.toBuilder().optInit("gaussian").build(), "g", 3);
      float[] a = gaussian.get("model.layers.1.self_attn.q_proj").unit("g").a().toFloatArray();
      double sq = 0;
      for (float v : a) {
        sq += (double) v * v;
      }
      assertThat(Math.sqrt(sq / a.length)).isCloseTo(1.0 / 8, within(0.02));

      var noInit = LoraInjector.inject(model, config.toBuilder().optInit(false).build(), "f", 3);
      LoraUnit f = noInit.get("model.layers.0.self_attn.q_proj").unit("f");
      assertThat(TinyModels.maxAbs(f.b().toFloatArray()))
          .as("init_lora_weights=false: B keeps nn.Linear's init, bound 1/sqrt(r)")
          .isLessThanOrEqualTo(1 / Math.sqrt(8))
          .isGreaterThan(0.5 / Math.sqrt(8));
    }
  }
}
