/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.io.Checkpoint;
import java.io.IOException;
import java.util.Set;

/** A safetensors {@link Checkpoint} (single file or sharded) as a {@link WeightSource}. */
public final class CheckpointWeights implements WeightSource {
  private final Checkpoint checkpoint;

  public CheckpointWeights(Checkpoint checkpoint) {
    this.checkpoint = checkpoint;
  }

  @Override
  public String describe() {
    return checkpoint.source().toString();
  }

  @Override
  public Set<String> names() {
    return checkpoint.names();
  }

  @Override
  public Shape shape(String name) throws IOException {
    if (!checkpoint.contains(name)) {
      throw new IOException(describe() + ": missing tensor '" + name + "'");
    }
    return new Shape(checkpoint.info(name).shape());
  }

  @Override
  public NDArray load(String name, NDManager manager) throws IOException {
    return checkpoint.toNDArray(name, manager);
  }
}
