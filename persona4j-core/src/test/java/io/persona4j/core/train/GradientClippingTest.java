/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GradientClippingTest {
  /**
   * Two parameters with the loss {@code sum(ca * a) + sum(cb * b)}, so the gradients are {@code ca
   * = (3, 0)} and {@code cb = (0, 4, 12)}: global norm sqrt(9 + 16 + 144) = 13.
   */
  static TrainableParameters withGradients(NDManager m) {
    NDArray a = m.create(new float[] {1f, 1f}, new Shape(2));
    NDArray b = m.create(new float[] {1f, 1f, 1f}, new Shape(3));
    Map<String, NDArray> map = new LinkedHashMap<>();
    map.put("a", a);
    map.put("b", b);
    TrainableParameters params = TrainableParameters.of(map);
    try (GradientCollector gc = Autograd.collector()) {
      NDArray ca = m.create(new float[] {3f, 0f}, new Shape(2));
      NDArray cb = m.create(new float[] {0f, 4f, 12f}, new Shape(3));
      gc.backward(a.mul(ca).sum().add(b.mul(cb).sum()));
    }
    return params;
  }

  @Test
  void globalNormIsTheNormOfAllGradientsTogether() {
    try (NDManager m = TensorRuntime.newManager()) {
      assertThat(withGradients(m).gradientNorm()).isCloseTo(13.0, within(1e-6));
    }
  }

  @Test
  void clippedNormEqualsMaxNormAndDirectionIsKept() {
    try (NDManager m = TensorRuntime.newManager()) {
      TrainableParameters params = withGradients(m);
      double before = GradientClipping.clip(params, 6.5);
      assertThat(before).isCloseTo(13.0, within(1e-6));
      assertThat(params.gradientNorm()).isCloseTo(6.5, within(1e-6));
      // scaled by 6.5 / (13 + 1e-6): (1.5, 0) and (0, 2, 6)
      assertThat(params.gradient("a", m).toFloatArray())
          .containsExactly(new float[] {1.5f, 0f}, within(1e-6f));
      assertThat(params.gradient("b", m).toFloatArray())
          .containsExactly(new float[] {0f, 2f, 6f}, within(1e-6f));
    }
  }

  @Test
  void gradientsBelowTheLimitAreLeftAlone() {
    try (NDManager m = TensorRuntime.newManager()) {
      TrainableParameters params = withGradients(m);
      assertThat(GradientClipping.clip(params, 20)).isCloseTo(13.0, within(1e-6));
      assertThat(params.gradient("b", m).toFloatArray()).containsExactly(0f, 4f, 12f);
    }
  }

  @Test
  void zeroGradientsResetsTheNorm() {
    try (NDManager m = TensorRuntime.newManager()) {
      TrainableParameters params = withGradients(m);
      params.zeroGradients();
      assertThat(params.gradientNorm()).isEqualTo(0.0);
    }
  }

  @Test
  void invalidMaxNormIsRejected() {
    try (NDManager m = TensorRuntime.newManager()) {
      TrainableParameters params = withGradients(m);
      assertThatThrownBy(() -> GradientClipping.clip(params, 0)).hasMessageContaining("max");
      assertThatThrownBy(() -> GradientClipping.clip(params, Double.POSITIVE_INFINITY))
          .hasMessageContaining("max");
    }
  }
}
