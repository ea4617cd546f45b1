/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.TrainingObjective;
import java.util.ArrayList;
import java.util.List;

/**
 * Least squares on a linear model, with per-example gradients known in closed form: example k is
 * {@code Example.classification([k], y_k)} with features {@code x[k]}, its loss {@code 0.5 (w . x_k
 * - y_k)^2} and its gradient {@code (w . x_k - y_k) x_k}.
 */
final class LinearObjective implements TrainingObjective {
  final float[][] x;
  final float[] y;
  private final NDArray w;

  LinearObjective(float[][] x, int[] y, NDArray w) {
    this.x = x;
    this.y = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      this.y[i] = y[i];
    }
    this.w = w;
  }

  List<Example> examples() {
    List<Example> out = new ArrayList<>();
    for (int k = 0; k < x.length; k++) {
      out.add(Example.classification(new long[] {k}, (int) y[k]));
    }
    return out;
  }

  /** The analytic gradient of example k at weights {@code wv}. */
  double[] gradient(int k, float[] wv) {
    double r = -y[k];
    for (int j = 0; j < wv.length; j++) {
      r += (double) wv[j] * x[k][j];
    }
    double[] g = new double[wv.length];
    for (int j = 0; j < wv.length; j++) {
      g[j] = r * x[k][j];
    }
    return g;
  }

  @Override
  public NDArray lossSum(Batch batch, NDManager m) {
    int b = batch.size();
    int d = x[0].length;
    float[] xs = new float[b * d];
    float[] ys = new float[b];
    for (int i = 0; i < b; i++) {
      int k = (int) batch.examples().get(i).ids()[0];
      System.arraycopy(x[k], 0, xs, i * d, d);
      ys[i] = y[k];
    }
    NDArray pred = m.create(xs, new Shape(b, d)).matMul(w.reshape(d, 1)).reshape(b);
    NDArray r = pred.sub(m.create(ys, new Shape(b)));
    return r.mul(r).sum().mul(m.create(0.5f));
  }
}
