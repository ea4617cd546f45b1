/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors a model reads its weights from: a safetensors checkpoint, an ONNX export, or
 * tensors in memory. Every tensor comes back as FLOAT32 on the given manager.
 */
public interface WeightSource {
  /** A short description for error messages (a directory or file name). */
  String describe();

  Set<String> names();

  /** Shape of a tensor, or an {@link IOException} naming the source and tensor if absent. */
  Shape shape(String name) throws IOException;

  /** Loads a tensor as FLOAT32 on {@code manager}. */
  NDArray load(String name, NDManager manager) throws IOException;

  default boolean contains(String name) {
    return names().contains(name);
  }

  /** In-memory tensors (copies are made on load; the map's arrays stay owned by the caller). */
  static WeightSource of(String description, Map<String, NDArray> tensors) {
    Map<String, NDArray> copy = new LinkedHashMap<>(tensors);
    return new WeightSource() {
      @Override
      public String describe() {
        return description;
      }

      @Override
      public Set<String> names() {
        return copy.keySet();
      }

      @Override
      public Shape shape(String name) throws IOException {
        return get(name).getShape();
      }

      @Override
      public NDArray load(String name, NDManager manager) throws IOException {
        NDArray a = get(name);
        return manager.create(a.toType(DataType.FLOAT32, false).toFloatArray(), a.getShape());
      }

      private NDArray get(String name) throws IOException {
        NDArray a = copy.get(name);
        if (a == null) {
          throw new IOException(description + ": missing tensor '" + name + "'");
        }
        return a;
      }
    };
  }

  /** Heap tensors, e.g. from {@link RandomWeights}. */
  static WeightSource ofFloats(String description, Map<String, FloatTensor> tensors) {
    Map<String, FloatTensor> copy = new LinkedHashMap<>(tensors);
    return new WeightSource() {
      @Override
      public String describe() {
        return description;
      }

      @Override
      public Set<String> names() {
        return copy.keySet();
      }

      @Override
      public Shape shape(String name) throws IOException {
        return new Shape(get(name).shape());
      }

      @Override
      public NDArray load(String name, NDManager manager) throws IOException {
        FloatTensor t = get(name);
        return manager.create(t.values(), new Shape(t.shape()));
      }

      private FloatTensor get(String name) throws IOException {
        FloatTensor t = copy.get(name);
        if (t == null) {
          throw new IOException(description + ": missing tensor '" + name + "'");
        }
        return t;
      }
    };
  }
}
