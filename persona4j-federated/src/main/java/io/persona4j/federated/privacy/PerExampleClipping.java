/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.TrainingObjective;
import io.persona4j.privacy.RandomSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The DP-SGD gradient: per-example gradients clipped to an L2 norm, summed, noised and averaged.
 *
 * <p><b>Per-example gradients by micro-batches of one</b> (not vectorized): each example gets its
 * own forward and backward pass, so a batch of B costs B small passes instead of one large one
 * ({@code bin/bench dpsgd} measures the overhead). An example's loss is its mean per-target loss
 * ({@code lossSum / targetCount}: mean over its completion tokens, or its class loss), so every
 * example, long or short, has the same weight and its clipped gradient bounds its influence.
 *
 * <p>After each backward pass the global L2 norm of the example's gradient over all trainable
 * tensors is computed (float32 sums of squares), the gradient is scaled by {@code min(1, C / norm)}
 * (float32 rounding can leave a clipped norm a few ulps above C) and added to per-tensor
 * accumulators on the caller's manager; the parameters' own gradient buffers are zeroed between
 * examples. {@link #writeNoisyMean} then adds {@code N(0, std^2)} per coordinate (from a {@link
 * RandomSource}) and writes {@code (sum + noise) / B} into the parameters' gradient buffers, where
 * any {@code core.train.Optimizer} takes it from.
 */
public final class PerExampleClipping {
  private final TrainableParameters params;
  private final TrainingObjective objective;
  private final long padId;

  /**
   * The clipped sum of a batch.
   *
   * @param sums per trainable tensor, the sum of the clipped per-example gradients (on the manager
   *     passed to {@link #clippedSum}); empty tensors of zeros for an empty batch
   * @param norms each example's gradient norm before clipping, in batch order
   * @param clipped how many examples were scaled down
   * @param meanLoss the mean per-example loss (NaN for an empty batch)
   */
  public record ClippedSum(
      Map<String, NDArray> sums, double[] norms, int clipped, double meanLoss) {}

  /**
   * @param params the trainable tensors (gradients are read and overwritten)
   * @param objective the loss
   * @param padId padding id for collating (one example per batch: no padding is ever used)
   */
  public PerExampleClipping(TrainableParameters params, TrainingObjective objective, long padId) {
    this.params = Objects.requireNonNull(params, "params");
    this.objective = Objects.requireNonNull(objective, "objective");
    this.padId = padId;
  }

  /**
   * Per-example gradients of {@code batch}, each clipped to {@code clipNorm} (infinite: none), and
   * their sum. Leaves the parameters' gradient buffers at zero.
   *
   * @param m manager of the sums; the caller closes it
   */
  public ClippedSum clippedSum(List<Example> batch, double clipNorm, NDManager m) {
    if (!(clipNorm > 0)) {
      throw new IllegalArgumentException("clip norm must be > 0, got " + clipNorm);
    }
    Map<String, NDArray> sums = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : params.asMap().entrySet()) {
      sums.put(e.getKey(), m.zeros(e.getValue().getShape(), e.getValue().getDataType()));
    }
    double[] norms = new double[batch.size()];
    int clipped = 0;
    double loss = 0;
    params.zeroGradients();
    try (GradientCollector collector = TensorRuntime.engine().newGradientCollector()) {
      for (int i = 0; i < batch.size(); i++) {
        Batch b = Batch.of(List.of(batch.get(i)), padId);
        try (NDManager em = m.newSubManager()) {
          NDArray l = objective.lossSum(b, em).div(em.create((float) b.targetCount()));
          collector.backward(l);
          loss += l.getFloat();
          try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            Map<String, NDArray> grads = gradients(em);
            NDArray sq = null;
            for (NDArray g : grads.values()) {
              NDArray s = g.square().sum();
              sq = sq == null ? s : sq.add(s);
            }
            double norm = Math.sqrt(sq.getFloat());
            norms[i] = norm;
            if (!Double.isFinite(norm)) {
              throw new IllegalStateException(
                  "example " + i + " of the batch has a non-finite gradient norm " + norm);
            }
            double f = norm > clipNorm ? clipNorm / norm : 1.0;
            if (f < 1) {
              clipped++;
            }
            for (Map.Entry<String, NDArray> g : grads.entrySet()) {
              NDArray acc = sums.get(g.getKey());
              acc.addi(f < 1 ? g.getValue().mul((float) f) : g.getValue());
            }
            params.zeroGradients();
          }
        }
      }
    }
    return new ClippedSum(sums, norms, clipped, batch.isEmpty() ? Double.NaN : loss / batch.size());
  }

  /**
   * Writes {@code (sum + N(0, noiseStd^2)) / divisor} into the parameters' gradient buffers (in
   * place), one independent normal sample per coordinate from {@code random}.
   *
   * @throws IllegalStateException if a parameter has no gradient buffer yet (no backward pass ever
   *     reached it)
   */
  public void writeNoisyMean(ClippedSum sum, double noiseStd, double divisor, RandomSource random) {
    if (!(noiseStd >= 0) || Double.isInfinite(noiseStd)) {
      throw new IllegalArgumentException("noise std must be finite and >= 0, got " + noiseStd);
    }
    if (!(divisor > 0)) {
      throw new IllegalArgumentException("divisor must be > 0, got " + divisor);
    }
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager scope = TensorRuntime.newManager()) {
      Map<String, NDArray> grads = gradients(scope);
      for (Map.Entry<String, NDArray> e : sum.sums().entrySet()) {
        float[] v = e.getValue().toFloatArray();
        for (int i = 0; i < v.length; i++) {
          double noise = noiseStd == 0 ? 0 : noiseStd * random.nextGaussian();
          v[i] = (float) ((v[i] + noise) / divisor);
        }
        NDArray g = grads.get(e.getKey());
        g.set(new NDIndex("..."), scope.create(v, g.getShape()));
      }
    }
  }

  /**
   * Makes sure every parameter has a gradient buffer: one backward pass of {@code example}, then
   * the gradients are zeroed (its values are discarded).
   */
  public void ensureGradientBuffers(Example example) {
    try (NDManager scope = TensorRuntime.newManager()) {
      boolean all = true;
      for (String name : params.names()) {
        all &= params.gradient(name, scope) != null;
      }
      if (all) {
        return;
      }
    }
    try (NDManager m = TensorRuntime.newManager()) {
      clippedSum(List.of(example), Double.POSITIVE_INFINITY, m);
      gradients(m); // throws if a parameter is still unreached
    }
  }

  private Map<String, NDArray> gradients(NDManager scope) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String name : params.names()) {
      NDArray g = params.gradient(name, scope);
      if (g == null) {
        throw new IllegalStateException(
            "trainable parameter '"
                + name
                + "' has no gradient: the loss does not depend on it; remove it from the"
                + " trainable parameters");
      }
      out.put(name, g);
    }
    return out;
  }
}
