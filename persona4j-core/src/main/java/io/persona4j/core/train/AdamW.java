/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import io.persona4j.core.io.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), exactly as PyTorch's {@code
 * torch.optim.AdamW} (no amsgrad): for each parameter with gradient {@code g} at its step {@code
 * t},
 *
 * <pre>
 * p  = p * (1 - lr * weightDecay)
 * m  = beta1 * m + (1 - beta1) * g
 * v  = beta2 * v + (1 - beta2) * g^2
 * p  = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * Defaults are PyTorch's: betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
 */
public final class AdamW implements Optimizer {
  /** Validated hyper-parameters. */
  public record Config(double beta1, double beta2, double epsilon, double weightDecay) {
    public Config {
      requireRange("beta1", beta1);
      requireRange("beta2", beta2);
      if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
        throw new IllegalArgumentException("AdamW epsilon must be > 0 and finite, got " + epsilon);
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException(
            "AdamW weight decay must be >= 0 and finite, got " + weightDecay);
      }
    }

    private static void requireRange(String name, double beta) {
      if (!(beta >= 0 && beta < 1)) {
        throw new IllegalArgumentException("AdamW " + name + " must be in [0, 1), got " + beta);
      }
    }
  }

  private final Config config;
  private final Map<String, Double> lrMultipliers;
  private final OptimizerSlots slots = new OptimizerSlots("AdamW", "exp_avg", "exp_avg_sq");

  public AdamW(Config config) {
    this(config, Map.of());
  }

  /**
   * @param lrMultipliers parameter groups, as PyTorch's: a parameter whose name starts with a key
   *     runs at {@code lr * multiplier} (decay included); the longest matching prefix wins
   */
  public AdamW(Config config, Map<String, Double> lrMultipliers) {
    this.config = config;
    for (Map.Entry<String, Double> e : lrMultipliers.entrySet()) {
      if (!(e.getValue() >= 0) || e.getValue().isInfinite()) {
        throw new IllegalArgumentException(
            "learning-rate multiplier of '"
                + e.getKey()
                + "' must be finite and >= 0, got "
                + e.getValue());
      }
    }
    this.lrMultipliers = Map.copyOf(lrMultipliers);
  }

  /** The learning-rate multiplier of parameter {@code name} (1 outside every group). */
  public double lrMultiplier(String name) {
    String best = null;
    for (String prefix : lrMultipliers.keySet()) {
      if (name.startsWith(prefix) && (best == null || prefix.length() > best.length())) {
        best = prefix;
      }
    }
    return best == null ? 1.0 : lrMultipliers.get(best);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Config config() {
    return config;
  }

  @Override
  public String name() {
    return "adamw";
  }

  @Override
  public Map<String, Double> hyperParameters() {
    Map<String, Double> h = new LinkedHashMap<>();
    h.put("beta1", config.beta1());
    h.put("beta2", config.beta2());
    h.put("epsilon", config.epsilon());
    h.put("weight_decay", config.weightDecay());
    new TreeMap<>(lrMultipliers).forEach((k, v) -> h.put("lr_multiplier:" + k, v));
    return h;
  }

  @Override
  public void step(TrainableParameters params, double lr) {
    ParameterUpdates.forEachGradient(
        params, lr, (name, p, values, g) -> update(name, p, values, g, lr * lrMultiplier(name)));
  }

  private void update(String name, NDArray param, NDArray p, NDArray g, double lr) {
    NDArray[] b = slots.buffers(name, param);
    NDArray m = b[0];
    NDArray v = b[1];
    long t = slots.nextStep(name);
    double beta1 = config.beta1();
    double beta2 = config.beta2();
    if (config.weightDecay() != 0) {
      p.muli((float) (1 - lr * config.weightDecay()));
    }
    m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
    v.muli((float) beta2).addi(g.mul(g).mul((float) (1 - beta2)));
    double biasCorrection1 = 1 - Math.pow(beta1, t);
    double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    double stepSize = lr / biasCorrection1;
    NDArray denom = v.sqrt().div((float) biasCorrection2Sqrt).add((float) config.epsilon());
    p.subi(m.div(denom).mul((float) stepSize));
  }

  @Override
  public Map<String, HostTensor> state() {
    return slots.export();
  }

  @Override
  public void loadState(Map<String, HostTensor> state, TrainableParameters params, Path source)
      throws IOException {
    slots.load(state, params, source);
  }

  /** The step count of a parameter (0 if never updated). */
  public long step(String name) {
    return slots.step(name);
  }

  @Override
  public void close() {
    slots.close();
  }

  /** Builds an {@link AdamW}; every setting is optional and defaults to PyTorch's. */
  public static final class Builder {
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-8;
    private double weightDecay = 0.01;
    private final Map<String, Double> lrMultipliers = new LinkedHashMap<>();

    private Builder() {}

    /**
     * A parameter group: parameters whose names start with {@code prefix} train at {@code lr *
     * multiplier} (e.g. iLoRA's router at 0.3x).
     */
    public Builder optLrMultiplier(String prefix, double multiplier) {
      lrMultipliers.put(prefix, multiplier);
      return this;
    }

    public Builder optBetas(double beta1, double beta2) {
      this.beta1 = beta1;
      this.beta2 = beta2;
      return this;
    }

    public Builder optEpsilon(double epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    public AdamW build() {
      return new AdamW(new Config(beta1, beta2, epsilon, weightDecay), lrMultipliers);
    }
  }
}
