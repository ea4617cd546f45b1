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

/**
 * Stochastic gradient descent with optional momentum, as PyTorch's {@code torch.optim.SGD}: for a
 * parameter with gradient {@code g},
 *
 * <pre>
 * g = g + weightDecay * p                      (L2 penalty, coupled, if weightDecay != 0)
 * b = g                                        (first step, if momentum != 0)
 * b = momentum * b + (1 - dampening) * g       (later steps)
 * g = nesterov ? g + momentum * b : b
 * p = p - lr * g
 * </pre>
 *
 * Without momentum there is no state. Defaults: no momentum, dampening or weight decay.
 */
public final class Sgd implements Optimizer {
  /** Validated hyper-parameters. */
  public record Config(double momentum, double dampening, double weightDecay, boolean nesterov) {
    public Config {
      if (!(momentum >= 0 && momentum < 1)) {
        throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
      }
      if (!(dampening >= 0 && dampening <= 1)) {
        throw new IllegalArgumentException("SGD dampening must be in [0, 1], got " + dampening);
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException(
            "SGD weight decay must be >= 0 and finite, got " + weightDecay);
      }
      if (nesterov && (momentum == 0 || dampening != 0)) {
        throw new IllegalArgumentException(
            "Nesterov momentum requires a momentum > 0 and zero dampening");
      }
    }
  }

  private final Config config;
  private final OptimizerSlots slots = new OptimizerSlots("SGD", "momentum_buffer");

  public Sgd(Config config) {
    this.config = config;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Config config() {
    return config;
  }

  @Override
  public String name() {
    return "sgd";
  }

  @Override
  public Map<String, Double> hyperParameters() {
    Map<String, Double> h = new LinkedHashMap<>();
    h.put("momentum", config.momentum());
    h.put("dampening", config.dampening());
    h.put("weight_decay", config.weightDecay());
    h.put("nesterov", config.nesterov() ? 1.0 : 0.0);
    return h;
  }

  @Override
  public void step(TrainableParameters params, double lr) {
    ParameterUpdates.forEachGradient(
        params, lr, (name, p, values, g) -> update(name, p, values, g, lr));
  }

  private void update(String name, NDArray param, NDArray p, NDArray g, double lr) {
    NDArray d = g;
    if (config.weightDecay() != 0) {
      d = d.add(p.mul((float) config.weightDecay()));
    }
    if (config.momentum() != 0) {
      NDArray buf = slots.buffers(name, param)[0];
      long t = slots.nextStep(name);
      if (t == 1) {
        buf.addi(d); // buf was zero: a copy of the first gradient
      } else {
        buf.muli((float) config.momentum()).addi(d.mul((float) (1 - config.dampening())));
      }
      d = config.nesterov() ? d.add(buf.mul((float) config.momentum())) : buf;
    }
    p.subi(d.mul((float) lr));
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

  @Override
  public void close() {
    slots.close();
  }

  /** Builds an {@link Sgd}; every setting is optional. */
  public static final class Builder {
    private double momentum;
    private double dampening;
    private double weightDecay;
    private boolean nesterov;

    private Builder() {}

    public Builder optMomentum(double momentum) {
      this.momentum = momentum;
      return this;
    }

    public Builder optDampening(double dampening) {
      this.dampening = dampening;
      return this;
    }

    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    public Builder optNesterov(boolean nesterov) {
      this.nesterov = nesterov;
      return this;
    }

    public Sgd build() {
      return new Sgd(new Config(momentum, dampening, weightDecay, nesterov));
    }
  }
}
