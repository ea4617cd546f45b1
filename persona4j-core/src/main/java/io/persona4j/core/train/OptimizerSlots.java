/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.DType;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-parameter optimizer state: a fixed set of named buffers shaped like the parameter (e.g.
 * Adam's {@code exp_avg} and {@code exp_avg_sq}) and a step count, created on first use. In a
 * checkpoint the tensors are named {@code <parameter>/<buffer>} (F32) and {@code <parameter>/step}
 * (I64 scalar).
 */
final class OptimizerSlots implements AutoCloseable {
  static final String STEP = "step";

  private final String optimizer;
  private final String[] buffers;
  private final Map<String, NDArray[]> slots = new LinkedHashMap<>();
  private final Map<String, Long> steps = new LinkedHashMap<>();
  private NDManager manager;

  OptimizerSlots(String optimizer, String... buffers) {
    this.optimizer = optimizer;
    this.buffers = buffers.clone();
  }

  /** The buffers of {@code name}, zero-initialised like {@code param} on first use. */
  NDArray[] buffers(String name, NDArray param) {
    NDArray[] b = slots.get(name);
    if (b == null) {
      b = new NDArray[buffers.length];
      for (int i = 0; i < b.length; i++) {
        b[i] = manager().zeros(param.getShape(), DataType.FLOAT32);
        NDScope.unregister(b[i]);
      }
      slots.put(name, b);
      steps.put(name, 0L);
    }
    return b;
  }

  /** Increments and returns the step count of {@code name} (1 on its first update). */
  long nextStep(String name) {
    long s = steps.merge(name, 1L, Long::sum);
    return s;
  }

  /** The step count of {@code name} (0 if never updated). */
  long step(String name) {
    return steps.getOrDefault(name, 0L);
  }

  Map<String, HostTensor> export() {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray[]> e : slots.entrySet()) {
      for (int i = 0; i < buffers.length; i++) {
        out.put(e.getKey() + "/" + buffers[i], HostTensor.fromNDArray(e.getValue()[i]));
      }
      out.put(
          e.getKey() + "/" + STEP, HostTensor.i64(new long[0], new long[] {steps.get(e.getKey())}));
    }
    return out;
  }

  /** Replaces the state with {@code state} (see the class comment for names), validating it. */
  void load(Map<String, HostTensor> state, TrainableParameters params, Path source)
      throws IOException {
    Set<String> expected = new HashSet<>();
    Map<String, NDArray[]> newSlots = new LinkedHashMap<>();
    Map<String, Long> newSteps = new LinkedHashMap<>();
    NDManager m = TensorRuntime.newManager();
    try {
      for (String name : params.names()) {
        HostTensor step = state.get(name + "/" + STEP);
        if (step == null) {
          continue; // never updated
        }
        expected.add(name + "/" + STEP);
        if (step.dtype() != DType.I64 || step.numel() != 1) {
          throw new ModelFormatException(
              source, name + "/" + STEP, optimizer + " step count must be an I64 scalar");
        }
        long s = step.data().getLong(0);
        if (s < 0) {
          throw new ModelFormatException(source, name + "/" + STEP, "negative step count " + s);
        }
        long[] shape = Optimizer.shapeOf(params.get(name));
        NDArray[] b = new NDArray[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
          String key = name + "/" + buffers[i];
          expected.add(key);
          HostTensor t = state.get(key);
          if (t == null) {
            throw new ModelFormatException(source, key, optimizer + " state tensor is missing");
          }
          if (t.dtype() != DType.F32 || !Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(
                source,
                key,
                "expected F32"
                    + Arrays.toString(shape)
                    + " for parameter '"
                    + name
                    + "', found "
                    + t.dtype()
                    + Arrays.toString(t.shape()));
          }
          FloatBuffer values = t.data().asFloatBuffer();
          b[i] = m.create(values, new Shape(shape));
        }
        newSlots.put(name, b);
        newSteps.put(name, s);
      }
      for (String key : state.keySet()) {
        if (!expected.contains(key)) {
          throw new ModelFormatException(
              source,
              key,
              "unexpected "
                  + optimizer
                  + " state tensor (no such trainable parameter or buffer; other parameters"
                  + " than when the checkpoint was written?)");
        }
      }
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
    close();
    manager = m;
    slots.putAll(newSlots);
    steps.putAll(newSteps);
  }

  private NDManager manager() {
    if (manager == null) {
      manager = TensorRuntime.newManager();
    }
    return manager;
  }

  @Override
  public void close() {
    slots.clear();
    steps.clear();
    if (manager != null) {
      manager.close();
      manager = null;
    }
  }
}
