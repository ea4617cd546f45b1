/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.persona4j.core.TensorRuntime;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ItemProjector}: exact GELU, the two linear layers, seeded init, save/load. */
class ItemProjectorTest {
  @TempDir Path dir;

  @Test
  void djlGeluIsTheExactErfGelu() {
    // GELU(x) = x * Phi(x), Phi the standard normal CDF (table values). The tanh approximation
    // gives 0.841192 at x = 1 (1.5e-4 off), so 1e-6 tells the two apart.
    double[] x = {-2, -1, -0.5, 0, 0.5, 1, 2};
    double[] phi = {
      0.022750131948179195,
      0.15865525393145707,
      0.3085375387259869,
      0.5,
      0.6914624612740131,
      0.8413447460685429,
      0.9772498680518208
    };
    try (NDManager m = TensorRuntime.newManager()) {
      float[] xs = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        xs[i] = (float) x[i];
      }
      float[] y = Activation.gelu(m.create(xs)).toFloatArray();
      for (int i = 0; i < x.length; i++) {
        assertThat((double) y[i]).as("GELU(%s)", x[i]).isCloseTo(x[i] * phi[i], within(1e-6));
      }
    }
  }

  @Test
  void forwardIsLinearGeluLinear() {
    int e = 5;
    int d = 7;
    try (NDManager m = TensorRuntime.newManager();
        ItemProjector p = ItemProjector.create(e, d, 3, m)) {
      Map<String, NDArray> w = p.parameters();
      assertThat(w.keySet())
          .containsExactly(ItemProjector.W1, ItemProjector.B1, ItemProjector.W2, ItemProjector.B2);
      assertThat(w.get(ItemProjector.W1).getShape()).isEqualTo(new Shape(d, e));
      assertThat(w.get(ItemProjector.W2).getShape()).isEqualTo(new Shape(d, d));
      float[] w1 = w.get(ItemProjector.W1).toFloatArray();
      float[] b1 = w.get(ItemProjector.B1).toFloatArray();
      float[] w2 = w.get(ItemProjector.W2).toFloatArray();
      float[] b2 = w.get(ItemProjector.B2).toFloatArray();
      float[][] x = LlaraFixture.randomVectors(3, e, 11);
      float[] flat = new float[3 * e];
      for (int i = 0; i < 3; i++) {
        System.arraycopy(x[i + 1], 0, flat, i * e, e);
      }
      NDArray y = p.forward(m.create(flat, new Shape(3, e)));
      assertThat(y.getShape()).isEqualTo(new Shape(3, d));
      float[] got = y.toFloatArray();
      for (int i = 0; i < 3; i++) {
        double[] h = new double[d];
        for (int o = 0; o < d; o++) {
          double s = b1[o];
          for (int k = 0; k < e; k++) {
            s += w1[o * e + k] * x[i + 1][k];
          }
          h[o] = s * 0.5 * (1 + erf(s / Math.sqrt(2)));
        }
        for (int o = 0; o < d; o++) {
          double s = b2[o];
          for (int k = 0; k < d; k++) {
            s += w2[o * d + k] * h[k];
          }
          assertThat((double) got[i * d + o]).isCloseTo(s, within(1e-5));
        }
      }
      assertThatThrownBy(() -> p.forward(m.zeros(new Shape(2, e + 1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[..., 5]");
    }
  }

  @Test
  void initializationIsSeededAndBoundedLikePytorchLinear() {
    try (NDManager m = TensorRuntime.newManager();
        ItemProjector a = ItemProjector.create(16, 64, 1, m);
        ItemProjector b = ItemProjector.create(16, 64, 1, m);
        ItemProjector c = ItemProjector.create(16, 64, 2, m)) {
      for (String name : a.parameters().keySet()) {
        float[] x = a.parameters().get(name).toFloatArray();
        assertThat(b.parameters().get(name).toFloatArray()).containsExactly(x);
        assertThat(c.parameters().get(name).toFloatArray()).isNotEqualTo(x);
        double bound = 1 / Math.sqrt(name.startsWith("mlp_proj.0") ? 16 : 64);
        double max = 0;
        for (float v : x) {
          max = Math.max(max, Math.abs(v));
        }
        assertThat(max).as(name).isLessThanOrEqualTo(bound).isGreaterThan(0.8 * bound);
      }
    }
  }

  @Test
  void savesAndLoadsTheSameWeights() throws Exception {
    Path file = dir.resolve("projector.safetensors");
    try (NDManager m = TensorRuntime.newManager();
        ItemProjector a = ItemProjector.create(4, 6, 9, m)) {
      a.save(file);
      try (ItemProjector b = ItemProjector.load(file, m)) {
        assertThat(b.inFeatures()).isEqualTo(4);
        assertThat(b.outFeatures()).isEqualTo(6);
        for (String name : a.parameters().keySet()) {
          assertThat(b.parameters().get(name).toFloatArray())
              .containsExactly(a.parameters().get(name).toFloatArray());
        }
      }
    }
  }

  /** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
  static double erf(double x) {
    double t = 1 / (1 + 0.3275911 * Math.abs(x));
    double poly =
        t
            * (0.254829592
                + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    double y = 1 - poly * Math.exp(-x * x);
    return x >= 0 ? y : -y;
  }
}
