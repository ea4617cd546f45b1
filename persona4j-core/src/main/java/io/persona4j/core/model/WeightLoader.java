/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads named tensors from a {@link WeightSource}, checking each against the shape the config
 * implies, warning about NaN/Inf values, and tracking which tensors were never used.
 */
public final class WeightLoader {
  private static final Logger LOG = LoggerFactory.getLogger(WeightLoader.class);
  private final WeightSource source;
  private final NDManager manager;
  private final Set<String> used = new HashSet<>();

  public WeightLoader(WeightSource source, NDManager manager) {
    this.source = source;
    this.manager = manager;
  }

  /** Loads {@code name}, which must exist with exactly {@code expected} shape. */
  public NDArray require(String name, long... expected) throws IOException {
    if (!source.contains(name)) {
      throw new IOException(source.describe() + ": missing tensor '" + name + "'");
    }
    Shape want = new Shape(expected);
    Shape got = source.shape(name);
    if (!got.equals(want)) {
      throw new IOException(
          source.describe()
              + ": tensor '"
              + name
              + "' has shape "
              + got
              + ", expected "
              + want
              + " from config.json");
    }
    NDArray a = source.load(name, manager);
    used.add(name);
    try (NDManager tmp = manager.newSubManager()) {
      NDArray bad = a.isNaN().logicalOr(a.isInfinite());
      bad.attach(tmp);
      NDArray any = bad.any();
      any.attach(tmp);
      if (any.getBoolean()) {
        LOG.warn("{}: tensor '{}' contains NaN or Inf values", source.describe(), name);
      }
    }
    return a;
  }

  /** Loads {@code name} if present (with the expected shape), else returns null. */
  public NDArray optional(String name, long... expected) throws IOException {
    return source.contains(name) ? require(name, expected) : null;
  }

  public boolean has(String name) {
    return source.contains(name);
  }

  /** Tensors in the source that no {@code require}/{@code optional} call asked for. */
  public Set<String> unused() {
    Set<String> rest = new HashSet<>(source.names());
    rest.removeAll(used);
    return rest;
  }
}
