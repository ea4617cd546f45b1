/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.Linear;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** LoraLinear against a double-precision host computation of W0 x + b + sum scale B A x. */
class LoraLinearTest {
  static final int IN = 7;
  static final int OUT = 5;

  NDManager m;
  SplittableRandom random;

  @BeforeEach
  void open() {
    m = TensorRuntime.newManager();
    random = new SplittableRandom(3);
  }

  @AfterEach
  void close() {
    m.close();
  }

  float[] values(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (2 * random.nextDouble() - 1);
    }
    return v;
  }

  Linear base() {
    return new Linear(
        "layer", m.create(values(OUT * IN), new Shape(OUT, IN)), m.create(values(OUT)));
  }

  LoraUnit unit(int r, double scale, double dropout, long seed) {
    return new LoraUnit(
        m,
        m.create(values(r * IN), new Shape(r, IN)),
        m.create(values(OUT * r), new Shape(OUT, r)),
        scale,
        new LoraDropout(dropout, seed));
  }

  /** {@code y[n][o] = b[o] + sum_i W[o][i] x[n][i] + sum_units scale (B (A (mask * x)))[o]}. */
  static double[] reference(Linear base, List<LoraUnit> units, float[] x, float[][] masks) {
    float[] w = base.weight().toFloatArray();
    float[] b = base.bias().toFloatArray();
    int rows = x.length / IN;
    double[] y = new double[rows * OUT];
    for (int n = 0; n < rows; n++) {
      for (int o = 0; o < OUT; o++) {
        double s = b[o];
        for (int i = 0; i < IN; i++) {
          s += (double) w[o * IN + i] * x[n * IN + i];
        }
        y[n * OUT + o] = s;
      }
      for (int u = 0; u < units.size(); u++) {
        LoraUnit unit = units.get(u);
        float[] a = unit.a().toFloatArray();
        float[] bb = unit.b().toFloatArray();
        int r = unit.rank();
        double[] down = new double[r];
        for (int k = 0; k < r; k++) {
          for (int i = 0; i < IN; i++) {
            double xi = x[n * IN + i] * (masks == null ? 1 : masks[u][n * IN + i]);
            down[k] += (double) a[k * IN + i] * xi;
          }
        }
        for (int o = 0; o < OUT; o++) {
          double up = 0;
          for (int k = 0; k < r; k++) {
            up += (double) bb[o * r + k] * down[k];
          }
          y[n * OUT + o] += unit.scale() * up;
        }
      }
    }
    return y;
  }

  static double maxDiff(float[] got, double[] want) {
    double d = 0;
    for (int i = 0; i < want.length; i++) {
      d = Math.max(d, Math.abs(got[i] - want[i]));
    }
    return d;
  }

  @Test
  void forwardAddsEveryActiveAdapterScaled() {
    Linear base = base();
    LoraLinear lora = new LoraLinear(base);
    LoraUnit u1 = unit(3, 2.5, 0, 1);
    LoraUnit u2 = unit(2, 0.75, 0, 2);
    lora.add("one", u1);
    lora.add("two", u2);
    float[] x = values(2 * 4 * IN);
    NDArray xs = m.create(x, new Shape(2, 4, IN));

    assertThat(maxDiff(lora.forward(xs).toFloatArray(), reference(base, List.of(), x, null)))
        .as("no adapter active: the base layer")
        .isLessThan(1e-5);
    lora.setActive(List.of("one"));
    NDArray y = lora.forward(xs);
    assertThat(y.getShape()).isEqualTo(new Shape(2, 4, OUT));
    assertThat(maxDiff(y.toFloatArray(), reference(base, List.of(u1), x, null))).isLessThan(1e-5);
    lora.setActive(List.of("one", "two"));
    float[] both = lora.forward(xs).toFloatArray();
    assertThat(maxDiff(both, reference(base, List.of(u1, u2), x, null))).isLessThan(1e-5);
    assertThat(maxDiff(both, reference(base, List.of(u1), x, null)))
        .as("the second adapter matters")
        .isGreaterThan(1e-2);
  }

  @Test
  void dropoutOnlyInTrainingAndReproducibleFromTheSeed() {
    Linear base = base();
    LoraLinear lora = new LoraLinear(base);
    LoraUnit u = unit(3, 2.0, 0.5, 99);
    lora.add("d", u);
    lora.setActive(List.of("d"));
    float[] x = values(6 * IN);
    NDArray xs = m.create(x, new Shape(6, IN));

    float[] inference = lora.forward(xs).toFloatArray();
    assertThat(maxDiff(inference, reference(base, List.of(u), x, null))).isLessThan(1e-5);

    lora.setTraining(true);
    LoraDropout twin = new LoraDropout(0.5, 99);
    for (int call = 0; call < 3; call++) {
      float[][] mask = {twin.nextMask(x.length)};
      float[] train = lora.forward(xs).toFloatArray();
      assertThat(maxDiff(train, reference(base, List.of(u), x, mask)))
          .as("call %d uses the seed's mask %d", call, call)
          .isLessThan(1e-5);
      assertThat(TinyModels.maxAbsDiff(train, inference)).isGreaterThan(1e-3);
    }
  }

  @Test
  void mergedEqualsUnmergedAndRestoreCopyIsBitExact() {
    Linear base = base();
    float[] w0 = base.weight().toFloatArray();
    LoraLinear lora = new LoraLinear(base);
    lora.add("one", unit(3, 2.5, 0, 1));
    lora.add("two", unit(2, 0.5, 0, 2));
    lora.setActive(List.of("one", "two"));
    NDArray xs = m.create(values(5 * IN), new Shape(5, IN));
    float[] unmerged = lora.forward(xs).toFloatArray();

    lora.merge(List.of("one", "two"), LoraLinear.UnmergeStrategy.RESTORE_COPY);
    assertThat(lora.merged()).containsExactly("one", "two");
    assertThat(TinyModels.maxAbsDiff(base.weight().toFloatArray(), w0))
        .as("the base weight itself holds the merge")
        .isGreaterThan(1e-2);
    float[] merged = lora.forward(xs).toFloatArray();
    assertThat(TinyModels.maxAbsDiff(merged, unmerged)).isLessThan(1e-5);

    lora.unmerge();
    assertThat(lora.merged()).isEmpty();
    assertThat(base.weight().toFloatArray()).containsExactly(w0);
    assertThat(lora.weight()).isSameAs(base.weight());
    assertThat(lora.forward(xs).toFloatArray()).containsExactly(unmerged);
  }

  /** A weight that is a view of a larger (e.g. fused q/k/v) tensor: merges write through it. */
  @Test
  void mergeAndUnmergeWorkInPlaceThroughAViewOfAFusedWeight() {
    NDArray fused = m.create(values(3 * OUT * IN), new Shape(3 * OUT, IN));
    float[] fused0 = fused.toFloatArray();
    NDArray view = fused.get(new NDIndex("{}:{}", OUT, 2 * OUT));
    Linear base = new Linear("middle", view, null);
    LoraLinear lora = new LoraLinear(base);
    lora.add("one", unit(3, 2.5, 0, 1));
    lora.setActive(List.of("one"));
    for (LoraLinear.UnmergeStrategy s : LoraLinear.UnmergeStrategy.values()) {
      lora.merge(List.of("one"), s);
      float[] merged = fused.toFloatArray();
      assertThat(TinyModels.maxAbsDiff(merged, fused0))
          .as("the merge reached the fused tensor")
          .isGreaterThan(1e-2);
      lora.unmerge();
      float[] after = fused.toFloatArray();
      if (s == LoraLinear.UnmergeStrategy.RESTORE_COPY) {
        assertThat(after).containsExactly(fused0);
      } else {
        assertThat(TinyModels.maxAbsDiff(after, fused0)).isLessThan(1e-6);
      }
      assertThat(lora.weight()).isSameAs(view);
    }
  }

  /**
   * In float32, (1 + d) - d is not 1 when d is below half an ulp of 1: 1 + 3e-8 rounds to 1, and 1
   * - 3e-8 to 0.99999994. Subtracting (PEFT's unmerge) loses the original bits; the kept copy does
   * not.
   */
  @Test
  void subtractingTheDeltaIsNotExactButRestoringTheCopyIs() {
    float[] ones = new float[OUT * IN];
    java.util.Arrays.fill(ones, 1f);
    float d = 3e-8f;
    for (LoraLinear.UnmergeStrategy s : LoraLinear.UnmergeStrategy.values()) {
      Linear base = new Linear("ones", m.create(ones, new Shape(OUT, IN)), null);
      LoraLinear lora = new LoraLinear(base);
      float[] a = new float[IN];
      java.util.Arrays.fill(a, 1f);
      float[] b = new float[OUT];
      java.util.Arrays.fill(b, d);
      lora.add(
          "tiny",
          new LoraUnit(
              m,
              m.create(a, new Shape(1, IN)),
              m.create(b, new Shape(OUT, 1)),
              1.0,
              new LoraDropout(0, 0)));
      lora.merge(List.of("tiny"), s);
      assertThat(base.weight().toFloatArray()).as("1 + 3e-8 rounds to 1").containsOnly(1f);
      lora.unmerge();
      float[] after = base.weight().toFloatArray();
      if (s == LoraLinear.UnmergeStrategy.RESTORE_COPY) {
        assertThat(after).containsOnly(1f);
      } else {
        assertThat(after).containsOnly(Math.nextDown(1f));
      }
    }
  }

  @Test
  void forwardLeavesOnlyItsResultOnTheCallersManager() {
    LoraLinear lora = new LoraLinear(base());
    lora.add("d", unit(3, 2.0, 0.5, 1));
    lora.setActive(List.of("d"));
    lora.setTraining(true);
    try (NDManager caller = m.newSubManager()) {
      NDArray x = caller.create(values(4 * IN), new Shape(4, IN));
      int before = caller.getManagedArrays().size();
      NDArray y = lora.forward(x);
      assertThat(caller.getManagedArrays()).contains(y);
      assertThat(caller.getManagedArrays()).hasSize(before + 1);
    }
  }

  @Test
  void misuseFailsClearly() {
    LoraLinear lora = new LoraLinear(base());
    lora.add("one", unit(3, 1, 0, 1));
    assertThatThrownBy(() -> lora.add("one", unit(3, 1, 0, 1)))
        .hasMessageContaining("already has an adapter 'one'");
    LoraUnit wrongIn =
        new LoraUnit(
            m,
            m.create(values(2 * (IN + 1)), new Shape(2, IN + 1)),
            m.create(values(OUT * 2), new Shape(OUT, 2)),
            1,
            new LoraDropout(0, 0));
    assertThatThrownBy(() -> lora.add("wrong", wrongIn))
        .hasMessageContaining("(2, 8)")
        .hasMessageContaining("in 7");
    assertThatThrownBy(() -> lora.setActive(List.of("nope"))).hasMessageContaining("'nope'");
    assertThatThrownBy(() -> new LoraLinear(lora)).hasMessageContaining("already has LoRA");

    lora.setActive(List.of("one"));
    lora.merge(List.of("one"), LoraLinear.UnmergeStrategy.SUBTRACT);
    assertThatThrownBy(() -> lora.remove("one")).hasMessageContaining("unmerge");
    lora.setTraining(true);
    NDArray x = m.create(values(IN), new Shape(1, IN));
    assertThatThrownBy(() -> lora.forward(x)).hasMessageContaining("unmerge before training");
  }
}
