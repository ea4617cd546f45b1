/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A new PLoRA adapter at the defaults is the layer the issue specifies: on every layer's {@code
 * query} and {@code value} (PEFT's BERT default) and nothing else, r 64, {@code s = alpha / r = 2},
 * A and P Kaiming-uniform with {@code a = sqrt 5} (bound {@code 1/sqrt(fan_in)}, values spread over
 * it), B zeros, two separate dropouts of rate 0.1, personalized dropout 0.1, d_u 512, and a user
 * table whose new rows are zeros (the authors' init of E).
 */
class PLoraInitTest {
  @Test
  void defaultsGiveTheSpecifiedLayer() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        PLoraModel plora = PLoraModel.create(bert, PLoraConfig.builder().build(), 7, m)) {
      Map<String, PLoraLinear> layers = plora.layers();
      int n = PLoraFixtures.CONFIG.numHiddenLayers();
      TreeSet<String> want = new TreeSet<>();
      for (int i = 0; i < n; i++) {
        want.add("encoder.layer." + i + ".attention.self.query");
        want.add("encoder.layer." + i + ".attention.self.value");
      }
      assertThat(new TreeSet<>(layers.keySet())).isEqualTo(want);
      for (PLoraLinear l : layers.values()) {
        assertThat(l.rank()).isEqualTo(64);
        assertThat(l.userDim()).isEqualTo(512);
        assertThat(l.scale()).isEqualTo(128.0 / 64);
        assertThat(l.b().toFloatArray()).as("%s B", l.name()).containsOnly(0f);
        assertKaiming(l.name() + " A", l.a().toFloatArray(), l.inFeatures());
        assertKaiming(l.name() + " P", l.p().toFloatArray(), 512);
        assertThat(l.inputDropout()).isNotSameAs(l.userDropout());
        assertThat(l.inputDropout().p()).isEqualTo(0.1);
        assertThat(l.userDropout().p()).isEqualTo(0.1);
      }
      assertThat(plora.personalizedDropout().rate()).isEqualTo(0.1);
      assertThat(plora.config().mimEnabled()).isFalse();
      assertThat(plora.users().size()).isZero();
      try (UserTable e = UserTable.zeros(List.of("a", "b"), 512, m)) {
        assertThat(e.values()).hasSize(1024).containsOnly(0f);
      }
    }
  }

  /** Within {@code 1/sqrt(fanIn)}, spread over it (not all near 0), centred. */
  private static void assertKaiming(String what, float[] w, long fanIn) {
    double bound = 1 / Math.sqrt(fanIn);
    double max = 0;
    double sum = 0;
    for (float v : w) {
      max = Math.max(max, Math.abs(v));
      sum += v;
    }
    assertThat(max).as("%s max |w| vs bound %s", what, bound).isLessThanOrEqualTo(bound);
    assertThat(max).as("%s spread", what).isGreaterThan(0.9 * bound);
    // uniform on [-b, b]: the mean of n values has std b / sqrt(3n); 5 sigma
    assertThat(Math.abs(sum / w.length))
        .as("%s mean", what)
        .isLessThan(5 * bound / Math.sqrt(3.0 * w.length));
  }
}
