/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.io.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Wraps an optimizer and records every gradient it is asked to apply. */
final class RecordingOptimizer implements Optimizer {
  final Optimizer inner;
  final List<Map<String, float[]>> gradients = new ArrayList<>();

  RecordingOptimizer(Optimizer inner) {
    this.inner = inner;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public Map<String, Double> hyperParameters() {
    return inner.hyperParameters();
  }

  @Override
  public void step(TrainableParameters params, double learningRate) {
    Map<String, float[]> g = new LinkedHashMap<>();
    try (NDManager scope = params.asMap().values().iterator().next().getManager().newSubManager()) {
      for (String name : params.names()) {
        NDArray a = params.gradient(name, scope);
        g.put(name, a == null ? null : a.toFloatArray());
      }
    }
    gradients.add(g);
    inner.step(params, learningRate);
  }

  @Override
  public Map<String, HostTensor> state() {
    return inner.state();
  }

  @Override
  public void loadState(Map<String, HostTensor> state, TrainableParameters params, Path source)
      throws IOException {
    inner.loadState(state, params, source);
  }

  @Override
  public void close() {
    inner.close();
  }
}
