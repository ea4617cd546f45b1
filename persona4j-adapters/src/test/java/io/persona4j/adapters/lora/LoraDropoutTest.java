/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import org.junit.jupiter.api.Test;

/** Deterministic inverted dropout. */
class LoraDropoutTest {
  @Test
  void dropsAboutPAndScalesTheRestByOneOverOneMinusP() {
    int n = 200_000;
    float[] mask = new LoraDropout(0.25, 7).nextMask(n);
    int zeros = 0;
    for (float v : mask) {
      if (v == 0) {
        zeros++;
      } else {
        assertThat(v).isEqualTo((float) (1 / 0.75));
      }
    }
    // binomial standard deviation sqrt(p (1 - p) / n) ~ 0.001
    assertThat(zeros / (double) n).isCloseTo(0.25, within(0.005));
  }

  @Test
  void sameSeedSameMasksAndEveryCallDiffers() {
    LoraDropout a = new LoraDropout(0.5, 42);
    LoraDropout b = new LoraDropout(0.5, 42);
    float[] a1 = a.nextMask(64);
    float[] a2 = a.nextMask(64);
    assertThat(b.nextMask(64)).containsExactly(a1);
    assertThat(b.nextMask(64)).containsExactly(a2);
    assertThat(a2).isNotEqualTo(a1);
    assertThat(new LoraDropout(0.5, 43).nextMask(64)).isNotEqualTo(a1);
    a.reseed(42);
    assertThat(a.nextMask(64)).containsExactly(a1);
  }

  @Test
  void applyMultipliesByTheMaskAndZeroPIsIdentity() {
    try (NDManager m = TensorRuntime.newManager()) {
      float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
      NDArray xs = m.create(x, new Shape(2, 4));
      assertThat(new LoraDropout(0, 1).apply(xs)).isSameAs(xs);
      float[] mask = new LoraDropout(0.5, 9).nextMask(8);
      float[] y = new LoraDropout(0.5, 9).apply(xs).toFloatArray();
      for (int i = 0; i < 8; i++) {
        assertThat(y[i]).isEqualTo(x[i] * mask[i]);
      }
    }
    assertThatThrownBy(() -> new LoraDropout(1, 0)).hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> new LoraDropout(Double.NaN, 0)).hasMessageContaining("[0, 1)");
  }
}
