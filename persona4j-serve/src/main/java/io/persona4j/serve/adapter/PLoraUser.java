/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A user of a served shared PLoRA adapter, as the server keeps it: the vector {@code p_u} and, per
 * adapted layer, the constant {@code s B P p_u} a merged layer adds to every token of the user's
 * rows (computed once at load, so a request costs one row of biases per layer, whatever the rank).
 *
 * @param user the user id
 * @param vector {@code p_u [d_u]}
 * @param biases per module path, {@code s B P p_u [out]}
 */
public record PLoraUser(String user, float[] vector, Map<String, float[]> biases) {
  public PLoraUser {
    vector = vector.clone();
    biases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(biases));
  }

  @Override
  public float[] vector() {
    return vector.clone();
  }

  /** Bytes held: the vector and the biases. */
  public long bytes() {
    long n = vector.length;
    for (float[] b : biases.values()) {
      n += b.length;
    }
    return 4 * n;
  }
}
