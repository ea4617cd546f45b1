/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.core.config.ConfigException;
import org.junit.jupiter.api.Test;

class MoeLoraConfigTest {
  @Test
  void defaultsAreILorasAndThePeftViewHasTheSameScaleUnderAUniformGate() {
    MoeLoraConfig c = MoeLoraConfig.builder().build();
    assertThat(c.r()).isEqualTo(8);
    assertThat(c.numExperts()).isEqualTo(4);
    assertThat(c.alpha()).isEqualTo(32);
    assertThat(c.dropout()).isEqualTo(0.1);
    assertThat(c.gateType()).isEqualTo(GateType.LINEAR);
    assertThat(c.gateDim()).isEqualTo(64);
    assertThat(c.routerLrMultiplier()).isEqualTo(0.3);
    assertThat(c.targets().names())
        .containsExactly(
            "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    assertThat(c.expertRank()).isEqualTo(2);
    assertThat(c.scale()).isEqualTo(16);
    assertThat(c.routerParameterCount()).isEqualTo(256);
    assertThat(c.toBuilder().optGateType(GateType.RANDOM).build().routerParameterCount()).isZero();

    LoraConfig peft = c.loraConfig();
    assertThat(peft.r()).isEqualTo(8);
    assertThat(peft.loraAlpha()).isEqualTo(32);
    assertThat(peft.loraDropout()).isEqualTo(0.1);
    assertThat(peft.targetModules()).isEqualTo(c.targets());
    String path = "model.layers.0.mlp.up_proj";
    assertThat(c.scale() / c.numExperts()).isEqualTo(peft.scale(path)).isEqualTo(4);
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void invalidFieldsAreNamedWithTheirValues() {
    assertThatThrownBy(() -> MoeLoraConfig.builder().optR(6).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'r' = 6")
        .hasMessageContaining("multiple of num_experts = 4");
    assertThatThrownBy(() -> MoeLoraConfig.builder().optNumExperts(0).build())
        .hasMessageContaining("'num_experts' = 0");
    assertThatThrownBy(() -> MoeLoraConfig.builder().optGateDim(-1).build())
        .hasMessageContaining("'gate_dim' = -1");
    assertThatThrownBy(() -> MoeLoraConfig.builder().optDropout(1).build())
        .hasMessageContaining("'dropout' = 1.0");
    assertThatThrownBy(() -> MoeLoraConfig.builder().optAlpha(Double.NaN).build())
        .hasMessageContaining("'alpha' = NaN");
    assertThatThrownBy(() -> MoeLoraConfig.builder().optRouterLrMultiplier(0).build())
        .hasMessageContaining("'router_lr_multiplier' = 0.0");
    assertThatThrownBy(() -> MoeLoraConfig.builder().optGateType(null).build())
        .hasMessageContaining("'gate_type'");
    assertThat(MoeLoraConfig.builder().optR(12).optNumExperts(3).build().expertRank()).isEqualTo(4);
  }
}
