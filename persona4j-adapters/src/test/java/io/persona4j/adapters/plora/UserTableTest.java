/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.TargetModules;
import io.persona4j.core.TensorRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The user table's rules and the config's validation. */
class UserTableTest {
  @Test
  void putAppendsOrReplacesAndGatherGivesZerosForUnknownRows() {
    try (NDManager m = TensorRuntime.newManager();
        UserTable t = UserTable.empty(3, m)) {
      assertThat(t.table()).isNull();
      assertThat(t.put("a", new float[] {1, 2, 3})).isZero();
      assertThat(t.put("b", new float[] {4, 5, 6})).isEqualTo(1);
      t.table().setRequiresGradient(true);
      assertThat(t.put("a", new float[] {7, 8, 9})).isZero(); // in place, on a trainable table
      assertThat(t.table().hasGradient()).isTrue();
      assertThat(t.put("c", new float[] {1, 1, 1})).isEqualTo(2);
      assertThat(t.table().hasGradient()).as("still trainable after growing").isTrue();
      assertThat(t.ids()).containsExactly("a", "b", "c");
      assertThat(t.vector("a")).containsExactly(7, 8, 9);
      try (NDManager s = m.newSubManager()) {
        assertThat(t.gather(new int[] {1, -1, 0}, s).toFloatArray())
            .containsExactly(4, 5, 6, 0, 0, 0, 7, 8, 9);
        assertThat(t.gather(new int[] {-1, -1}, s).toFloatArray()).containsOnly(0f);
      }
      assertThatThrownBy(() -> t.put("d", new float[2])).hasMessageContaining("d_u = 3");
      assertThatThrownBy(() -> t.put("e", new float[] {0, Float.NaN, 0}))
          .hasMessageContaining("NaN");
      assertThatThrownBy(() -> t.put("x/y", new float[3])).hasMessageContaining("index 1");
      assertThatThrownBy(() -> UserTable.zeros(List.of("a", "a"), 2, m))
          .hasMessageContaining("twice");
    }
  }

  @Test
  void configDefaultsAreTheAuthorsAndInvalidValuesAreNamed() {
    PLoraConfig c = PLoraConfig.builder().build();
    assertThat(c.lora().r()).isEqualTo(64);
    assertThat(c.lora().loraAlpha()).isEqualTo(128);
    assertThat(c.lora().loraDropout()).isEqualTo(0.1);
    assertThat(c.lora().targetModules()).isEqualTo(TargetModules.names("query", "value"));
    assertThat(c.lora().modulesToSave()).containsExactly("classifier");
    assertThat(c.userDim()).isEqualTo(512);
    assertThat(c.pRate()).isEqualTo(0.1);
    assertThat(c.mimEnabled()).isFalse();
    assertThatThrownBy(() -> PLoraConfig.builder().optPRate(1).build())
        .hasMessageContaining("p_rate");
    assertThatThrownBy(() -> PLoraConfig.builder().optUserDim(0).build())
        .hasMessageContaining("user_dim");
    assertThatThrownBy(() -> PLoraConfig.builder().optMim(Double.NaN).build())
        .hasMessageContaining("mim");
  }
}
