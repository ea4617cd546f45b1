/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CoSteer update: the iteration (the method) against its closed form, the issue's c values, and
 * an independent double-precision re-implementation of the authors' loop.
 */
class SteeringRuleTest {
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = TensorRuntime.newManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  @Test
  void closedFormCoefficientHasTheIssuesValues() {
    SteerParams d = SteerParams.DEFAULTS;
    assertThat(d.closedFormCoefficient()).isCloseTo(1.7833, within(5e-5));
    assertThat(SteerParams.builder().optAlpha(0).build().closedFormCoefficient())
        .isCloseTo(0.5, within(5e-5));
    assertThat(SteerParams.builder().optIterations(10).build().closedFormCoefficient())
        .isCloseTo(1.449, within(5e-4));
    assertThat(SteerParams.builder().optIterations(40).build().closedFormCoefficient())
        .isCloseTo(2.124, within(5e-4));
    assertThat(SteerParams.builder().optLambda(4).build().closedFormCoefficient())
        .isCloseTo(0.437, within(5e-4));
    assertThat(SteerParams.builder().optIterations(1).build().closedFormCoefficient())
        .isCloseTo(0.476, within(5e-4));
  }

  static List<SteerParams> grid() {
    return List.of(
        SteerParams.DEFAULTS,
        SteerParams.builder().optAlpha(0).build(),
        SteerParams.builder().optIterations(10).build(),
        SteerParams.builder().optIterations(40).build(),
        SteerParams.builder().optLambda(4).build(),
        SteerParams.builder().optIterations(1).build(),
        new SteerParams(7, 0.5, 3, 0.25, 2),
        new SteerParams(100, 1, -1, 1, 0.5));
  }

  @Test
  void iterationEqualsClosedFormOnRandomLogits() {
    Random r = new Random(7);
    for (SteerParams p : grid()) {
      for (int trial = 0; trial < 3; trial++) {
        int v = 50 + r.nextInt(2000);
        float scale = 1 + 4 * r.nextFloat();
        NDArray piRef = random(r, 2, v, scale).logSoftmax(-1); // [2, V]
        NDArray delta =
            random(r, 2, v, scale).logSoftmax(-1).sub(random(r, 2, v, scale).logSoftmax(-1));
        NDArray iter = SteeringRule.iterative(p).apply(piRef, delta);
        NDArray closed = SteeringRule.closedForm(p).apply(piRef, delta);
        float[] a = iter.toFloatArray();
        float[] b = closed.toFloatArray();
        double maxLog = 0;
        double maxProb = 0;
        for (int i = 0; i < a.length; i++) {
          maxLog = Math.max(maxLog, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
          maxProb = Math.max(maxProb, Math.abs(Math.exp(a[i]) - Math.exp(b[i])));
        }
        assertThat(maxProb).as("probabilities, %s, V=%d", p, v).isLessThan(1e-5);
        assertThat(maxLog).as("log-probabilities (relative), %s, V=%d", p, v).isLessThan(1e-5);
        // the closed form is log_softmax(pi_ref + c Delta): recover c from two ids and compare
        double c = p.closedFormCoefficient();
        float[] pr = piRef.toFloatArray();
        float[] dl = delta.toFloatArray();
        int i = argmaxAbs(dl, 0, v);
        int j = (i + 1) % v;
        double fitted = ((a[i] - a[j]) - (pr[i] - pr[j])) / (dl[i] - dl[j]);
        assertThat(fitted).as("c fitted from the iteration, %s", p).isCloseTo(c, within(1e-3));
      }
    }
  }

  @Test
  void iterationMatchesADoublePrecisionReimplementationOfTheAuthorsLoop() {
    Random r = new Random(11);
    int v = 300;
    double[] piRef = logSoftmax(randomD(r, v, 3));
    double[] a = logSoftmax(randomD(r, v, 3));
    double[] b = logSoftmax(randomD(r, v, 3));
    double[] delta = new double[v];
    for (int i = 0; i < v; i++) {
      delta[i] = a[i] - b[i];
    }
    SteerParams p = SteerParams.DEFAULTS;
    double[] player = piRef.clone();
    double[] cum = new double[v];
    for (int t = 1; t <= p.iterations(); t++) {
      double[] next = new double[v];
      for (int i = 0; i < v; i++) {
        cum[i] += p.alpha() * (player[i] - piRef[i]) + p.beta() * delta[i];
        next[i] =
            (t * p.lambda() * piRef[i] + cum[i] + player[i] / p.eta())
                / (t * p.lambda() + 1 / p.eta());
      }
      player = logSoftmax(next);
    }
    float[] got =
        SteeringRule.iterative(p)
            .apply(manager.create(toF(piRef)), manager.create(toF(delta)))
            .toFloatArray();
    for (int i = 0; i < v; i++) {
      assertThat((double) got[i])
          .isCloseTo(player[i], within(1e-4 * Math.max(1, Math.abs(player[i]))));
    }
  }

  @Test
  void zeroDeltaLeavesTheCloudPolicyAndCOneIsLogitArithmetic() {
    Random r = new Random(3);
    NDArray piRef = random(r, 1, 64, 2).logSoftmax(-1);
    NDArray zero = piRef.zerosLike();
    float[] same = SteeringRule.iterative(SteerParams.DEFAULTS).apply(piRef, zero).toFloatArray();
    float[] ref = piRef.toFloatArray();
    for (int i = 0; i < ref.length; i++) {
      assertThat(same[i]).isCloseTo(ref[i], within(1e-5f));
    }
    NDArray delta = random(r, 1, 64, 2);
    float[] c1 = SteeringRule.fixed(1).apply(piRef, delta).toFloatArray();
    float[] want = piRef.add(delta).logSoftmax(-1).toFloatArray();
    assertThat(c1).containsExactly(want, within(1e-6f));
  }

  @Test
  void paramsAreValidated() {
    assertThatThrownBy(() -> new SteerParams(0, 2, 1, 2, 10))
        .hasMessageContaining("T (iterations)");
    assertThatThrownBy(() -> new SteerParams(20, 2, 1, 0, 10)).hasMessageContaining("lambda");
    assertThatThrownBy(() -> new SteerParams(20, 2, 1, 2, -1)).hasMessageContaining("eta");
    assertThatThrownBy(() -> new SteerParams(20, Double.NaN, 1, 2, 1))
        .hasMessageContaining("alpha");
    assertThatThrownBy(
            () ->
                SteeringRule.closedForm(SteerParams.DEFAULTS)
                    .apply(manager.zeros(new Shape(3)), manager.zeros(new Shape(4))))
        .hasMessageContaining("differ in shape");
  }

  private static NDArray random(Random r, int rows, int v, float scale) {
    float[] x = new float[rows * v];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * scale);
    }
    return manager.create(x, new Shape(rows, v));
  }

  private static double[] randomD(Random r, int v, double scale) {
    double[] x = new double[v];
    for (int i = 0; i < v; i++) {
      x[i] = r.nextGaussian() * scale;
    }
    return x;
  }

  private static double[] logSoftmax(double[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      max = Math.max(max, v);
    }
    double s = 0;
    for (double v : x) {
      s += Math.exp(v - max);
    }
    double lse = max + Math.log(s);
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] - lse;
    }
    return out;
  }

  private static float[] toF(double[] x) {
    float[] f = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
  }

  private static int argmaxAbs(float[] x, int from, int to) {
    int best = from;
    for (int i = from; i < to; i++) {
      if (Math.abs(x[i]) > Math.abs(x[best])) {
        best = i;
      }
    }
    return best;
  }
}
